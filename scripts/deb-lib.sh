# SPDX-License-Identifier: GPL-2.0-or-later
# Debian package helpers shared by guest-assets.sh and kms-bed-assets.sh.
# shellcheck shell=bash
# (needs say and die from common.sh; the architecture, e.g. arm64 or amd64,
# and the cache paths are arguments, so one script can serve any of them)

# newest_package ARCH PREFIX NAME_REGEX SUITE_REGEX: print "name version"
# of the newest ARCH package named PREFIX... matching NAME_REGEX, from a
# suite matching SUITE_REGEX; nothing if there is none.
newest_package()
{
    local arch=$1 names best="" best_ver="" name ver from suite
    shift
    mapfile -t names < <(apt-cache pkgnames "$1" | grep -E "^$2\$" |
                         sed "s/\$/:$arch/")
    [ "${#names[@]}" -gt 0 ] || return 0
    # madison: " name:arch | version | URI suite/component arch Packages"
    while IFS='|' read -r name ver from; do
        name=${name// /}
        name=${name%:"$arch"}
        ver=${ver// /}
        suite=$(echo "$from" | awk '$NF == "Packages" { print $2 }')
        [[ "$suite" =~ ^$3/ ]] || continue
        if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best_ver"
        then
            best=$name
            best_ver=$ver
        fi
    done < <(apt-cache madison "${names[@]}")
    [ -n "$best" ] && echo "$best $best_ver"
    return 0
}

# resolve_cached MEMO ARCH PREFIX NAME_REGEX SUITE_REGEX: newest_package
# ARCH PREFIX NAME_REGEX SUITE_REGEX, with the answer kept in the file
# MEMO until the package lists change (apt-cache takes seconds).
resolve_cached()
{
    local memo=$1 lists id answer
    shift
    lists=$(stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null |
            sha256sum | cut -c1-16)
    if [ -f "$memo" ] && read -r id answer < "$memo" && [ "$id" = "$lists" ]
    then
        echo "$answer"
        return
    fi
    answer=$(newest_package "$@")
    [ -n "$answer" ] || return 0
    mkdir -p "$(dirname "$memo")"
    echo "$lists $answer" > "$memo"
    echo "$answer"
}

# fetch DEB_DIR ARCH NAME VERSION: print the path of NAME:ARCH VERSION's
# .deb in the directory DEB_DIR, downloading it there first if needed.
fetch()
{
    local deb_dir=$1 arch=$2 deb opts=()
    shift 2
    deb="$deb_dir/${1}_${2//:/%3a}_$arch.deb"
    if [ ! -s "$deb" ]; then
        say "downloading $1:$arch $2"
        mkdir -p "$deb_dir"
        # As root, apt would switch to its _apt user, which cannot write
        # into a home directory, and warn.
        [ "$(id -u)" -ne 0 ] || opts=(-o APT::Sandbox::User=root)
        (cd "$deb_dir" &&
            apt-get download -q "${opts[@]}" "$1:$arch=$2" >&2) ||
            die "apt-get download $1:$arch=$2 failed; run" \
                "scripts/apt-setup.sh as root to refresh the package lists"
        [ -s "$deb" ] || die "apt-get download did not produce $deb"
    fi
    echo "$deb"
}

# closure TREE KVER MODULE...: the module files (relative to TREE, an
# unpacked kernel package with its modules.dep) that loading MODULEs
# takes, in load order.
closure()
{
    local tree=$1 kver=$2 m deps line ko seen=" "
    shift 2
    for m in "$@"; do
        deps=$(modprobe -d "$tree" -S "$kver" --show-depends "$m" 2>&1) ||
            die "$kver has no module $m (modprobe: $deps)"
        while read -r line; do
            case "$line" in
            builtin\ *) ;;
            insmod\ *)
                ko=${line#insmod }
                ko=${ko%% *}
                ko=${ko#"$tree/"}
                if [[ "$seen" != *" $ko "* ]]; then
                    seen+="$ko "
                    echo "$ko"
                fi
                ;;
            *) die "cannot parse modprobe --show-depends $m: '$line';" \
                   "this script needs updating for this kmod" ;;
            esac
        done <<< "$deps"
    done
}

# pack_initramfs ROOT OUT: the tree ROOT as a gzip-compressed newc
# initramfs OUT, the same bytes for the same tree (sorted, owner 0, fixed
# times)
pack_initramfs()
{
    (cd "$1" && find . -print0 | LC_ALL=C sort -z |
        cpio --null --create --format=newc --owner=0:0 --reproducible \
             --quiet) | gzip -9n > "$2"
}
