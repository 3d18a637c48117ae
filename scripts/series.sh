#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make series: export the series as git format-patch files (with a cover
# letter) against the pinned base, into out/series, and from them a
# Buildroot patch tree and a Yocto layer (scripts/distro-trees.sh).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bash "$RCAR_TOP/scripts/apply.sh"
dest=$OUT_DIR/series
rm -rf "$dest"
mkdir -p "$dest"

ident=$(sed -n 's/^From: //p' "$RCAR_TOP/patches/"0001-*.patch | head -1)
count=$(git -C "$SRC_TREE" rev-list --count base..series)
# Same bytes every time (make dist is reproducible): the cover letter's
# date is fixed like the commits', and no Message-Ids, which hold the
# current time; git send-email threads the mails when it sends them.
GIT_COMMITTER_DATE=2026-01-01T00:00:00Z GIT_AUTHOR_DATE=2026-01-01T00:00:00Z \
git -C "$SRC_TREE" -c core.abbrev=12 format-patch -q --cover-letter \
    --no-thread --subject-prefix="PATCH" -o "$dest" \
    --signoff --from="$ident" base..series
cover=$(ls "$dest"/0000-cover-letter.patch)
# Fill in the cover letter from patches/cover-letter.txt
subject=$(head -1 "$RCAR_TOP/patches/cover-letter.txt")
python3 - "$cover" "$RCAR_TOP/patches/cover-letter.txt" "$subject" <<'PY'
import sys
path, body_path, subject = sys.argv[1:]
text = open(path).read()
body = open(body_path).read().split("\n", 2)[2]
text = text.replace("*** SUBJECT HERE ***", subject)
text = text.replace("*** BLURB HERE ***", body.rstrip("\n"))
open(path, "w").write(text)
PY
say "wrote $count patches and a cover letter to $dest"

# Whom to send each patch to: upstream's get_maintainer.pl on the patched
# tree (whose MAINTAINERS has our section), for git send-email --cc
series_patches "$dest" | while read -r name; do
    p=$dest/$name
    echo "== $name"
    # sorted: its order among equals varies from run to run (Perl hashes)
    (cd "$SRC_TREE" && ./scripts/get_maintainer.pl --no-rolestats \
        --no-git-fallback < "$p") | LC_ALL=C sort
done > "$dest/get_maintainer.txt"
bash "$RCAR_TOP/scripts/distro-trees.sh" "$dest"
