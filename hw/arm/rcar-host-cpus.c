/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-host-cpus: the host's Arm CPU topology and vCPU thread placement
 *
 * Reads /sys/devices/system/cpu (or a fixture tree) and decides which host
 * CPUs each vCPU thread of rcar-virt may run on.  The interface and the
 * rules are in include/hw/arm/rcar-host-cpus.h; the machine applies the
 * result in hw/arm/rcar-virt.c.
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "hw/arm/rcar-host-cpus.h"

/* sysfs files we read are a line; anything longer is not what we expect */
#define SYSFS_LINE_MAX 4096

#define MIDR_IMPLEMENTER(m)     extract32((m), 24, 8)
#define MIDR_VARIANT(m)         extract32((m), 20, 4)
#define MIDR_PART(m)            extract32((m), 4, 12)
#define MIDR_REVISION(m)        extract32((m), 0, 4)
#define MIDR_KIND(m)            ((m) & 0xff00fff0)

static const struct {
    uint32_t kind;              /* implementer and part bits of MIDR */
    const char *name;
} known_cores[] = {
    { 0x4100d030, "Cortex-A53" },
    { 0x4100d040, "Cortex-A35" },
    { 0x4100d050, "Cortex-A55" },
    { 0x4100d070, "Cortex-A57" },
    { 0x4100d080, "Cortex-A72" },
    { 0x4100d090, "Cortex-A73" },
    { 0x4100d0a0, "Cortex-A75" },
    { 0x4100d0b0, "Cortex-A76" },
    { 0x4100d0c0, "Neoverse-N1" },
    { 0x4100d0d0, "Cortex-A77" },
    { 0x4100d410, "Cortex-A78" },
    { 0x4100d440, "Cortex-X1" },
    { 0x4100d460, "Cortex-A510" },
    { 0x4100d470, "Cortex-A710" },
    { 0x4100d800, "Cortex-A520" },
    { 0x4100d810, "Cortex-A720" },
};

char *rcar_midr_describe(uint32_t midr)
{
    for (size_t i = 0; i < ARRAY_SIZE(known_cores); i++) {
        if (known_cores[i].kind == MIDR_KIND(midr)) {
            return g_strdup_printf("%s r%up%u", known_cores[i].name,
                                   MIDR_VARIANT(midr), MIDR_REVISION(midr));
        }
    }
    return g_strdup_printf("implementer 0x%02x part 0x%03x r%up%u",
                           MIDR_IMPLEMENTER(midr), MIDR_PART(midr),
                           MIDR_VARIANT(midr), MIDR_REVISION(midr));
}

bool rcar_cpulist_parse(const char *str, unsigned long *set, Error **errp)
{
    g_autofree char *copy = g_strstrip(g_strdup(str));
    g_auto(GStrv) ranges = NULL;

    bitmap_zero(set, RCAR_HOST_MAX_CPUS);
    if (!*copy) {
        return true;
    }
    ranges = g_strsplit(copy, ",", -1);
    for (char **r = ranges; *r; r++) {
        g_auto(GStrv) ends = g_strsplit(*r, "-", 3);
        unsigned int first, last;

        if (!ends[0] || qemu_strtoui(ends[0], NULL, 10, &first) ||
            (ends[1] && qemu_strtoui(ends[1], NULL, 10, &last)) ||
            (ends[1] && ends[2])) {
            error_setg(errp, "'%s' is not a CPU list like 0-3,6", str);
            return false;
        }
        if (!ends[1]) {
            last = first;
        }
        if (last < first || last >= RCAR_HOST_MAX_CPUS) {
            error_setg(errp, "CPU list '%s' has a range that is reversed or "
                       "beyond CPU %d", str, RCAR_HOST_MAX_CPUS - 1);
            return false;
        }
        bitmap_set(set, first, last - first + 1);
    }
    return true;
}

char *rcar_cpulist_format(const unsigned long *set)
{
    GString *s = g_string_new("");
    unsigned long first = find_first_bit(set, RCAR_HOST_MAX_CPUS);

    while (first < RCAR_HOST_MAX_CPUS) {
        unsigned long end = find_next_zero_bit(set, RCAR_HOST_MAX_CPUS, first);

        g_string_append_printf(s, "%s%lu", s->len ? "," : "", first);
        if (end - 1 > first) {
            g_string_append_printf(s, "-%lu", end - 1);
        }
        first = find_next_bit(set, RCAR_HOST_MAX_CPUS, end);
    }
    return g_string_free(s, false);
}

/*
 * Read a one-line sysfs file.  Returns false with @errp set when it is
 * unreadable or too long; *missing tells ENOENT apart when not NULL.
 */
static bool read_line(const char *root, const char *rel, char **line,
                      bool *missing, Error **errp)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *buf = g_malloc(SYSFS_LINE_MAX + 1);
    ssize_t len;
    int fd;

    if (missing) {
        *missing = false;
    }
    fd = qemu_open_old(path, O_RDONLY);
    if (fd < 0) {
        if (missing && errno == ENOENT) {
            *missing = true;
            return false;
        }
        error_setg_errno(errp, errno, "cannot read %s", path);
        return false;
    }
    len = read(fd, buf, SYSFS_LINE_MAX + 1);
    close(fd);
    if (len < 0) {
        error_setg_errno(errp, errno, "cannot read %s", path);
        return false;
    }
    if (len > SYSFS_LINE_MAX || memchr(buf, '\0', len)) {
        error_setg(errp, "%s is not a line of text", path);
        return false;
    }
    buf[len] = '\0';
    *line = g_steal_pointer(&buf);
    return true;
}

static bool read_cpulist(const char *root, const char *rel,
                         unsigned long *set, bool *missing, Error **errp)
{
    g_autofree char *line = NULL;
    Error *err = NULL;

    if (!read_line(root, rel, &line, missing, errp)) {
        return false;
    }
    if (!rcar_cpulist_parse(line, set, &err)) {
        error_propagate_prepend(errp, err, "%s/%s: ", root, rel);
        return false;
    }
    return true;
}

/* midr_el1 of CPU @id, 0 when the host has no identification registers */
static bool read_midr(const char *root, unsigned int id, uint32_t *midr,
                      Error **errp)
{
    g_autofree char *rel = g_strdup_printf(
        "devices/system/cpu/cpu%u/regs/identification/midr_el1", id);
    g_autofree char *line = NULL;
    bool missing;
    uint64_t value;

    *midr = 0;
    if (!read_line(root, rel, &line, &missing, errp)) {
        return missing;
    }
    if (qemu_strtou64(g_strstrip(line), NULL, 16, &value) ||
        value >> 32 || !value) {
        error_setg(errp, "%s/%s holds '%s', not a MIDR_EL1 value", root, rel,
                   line);
        return false;
    }
    *midr = value;
    return true;
}

void rcar_host_cpus_free(RcarHostCpus *topo)
{
    if (topo) {
        g_free(topo->cpus);
        g_free(topo);
    }
}

RcarHostCpus *rcar_host_cpus_read(const char *root, Error **errp)
{
    static const char *const cluster_files[] = {
        "cluster_cpus_list", "package_cpus_list",
    };
    g_autoptr(RcarHostCpus) topo = g_new0(RcarHostCpus, 1);
    g_autofree unsigned long *online = bitmap_new(RCAR_HOST_MAX_CPUS);
    g_autofree unsigned long *members = bitmap_new(RCAR_HOST_MAX_CPUS);
    unsigned long id;
    unsigned int n = 0;

    if (!read_cpulist(root, "devices/system/cpu/online", online, NULL,
                      errp)) {
        return NULL;
    }
    topo->ncpus = bitmap_count_one(online, RCAR_HOST_MAX_CPUS);
    if (!topo->ncpus) {
        error_setg(errp, "%s/devices/system/cpu/online lists no CPU", root);
        return NULL;
    }
    topo->cpus = g_new0(RcarHostCpu, topo->ncpus);
    topo->cluster_source = "midr_el1";

    for (id = find_first_bit(online, RCAR_HOST_MAX_CPUS);
         id < RCAR_HOST_MAX_CPUS;
         id = find_next_bit(online, RCAR_HOST_MAX_CPUS, id + 1)) {
        RcarHostCpu *cpu = &topo->cpus[n++];
        bool missing = true;

        cpu->id = id;
        if (!read_midr(root, id, &cpu->midr, errp)) {
            return NULL;
        }
        for (size_t f = 0; missing && f < ARRAY_SIZE(cluster_files); f++) {
            g_autofree char *rel = g_strdup_printf(
                "devices/system/cpu/cpu%lu/topology/%s", id, cluster_files[f]);

            if (read_cpulist(root, rel, members, &missing, errp)) {
                if (!test_bit(id, members)) {
                    error_setg(errp, "%s/%s does not list CPU %lu itself",
                               root, rel, id);
                    return NULL;
                }
                cpu->cluster = find_first_bit(members, RCAR_HOST_MAX_CPUS);
                if (n == 1) {
                    topo->cluster_source = cluster_files[f];
                }
            } else if (!missing) {
                return NULL;
            }
        }
        if (missing) {
            /* No topology files: CPUs of one core kind form a cluster */
            cpu->cluster = id;
            for (unsigned int i = 0; i + 1 < n; i++) {
                if (MIDR_KIND(topo->cpus[i].midr) == MIDR_KIND(cpu->midr)) {
                    cpu->cluster = topo->cpus[i].cluster;
                    break;
                }
            }
        }
    }
    return g_steal_pointer(&topo);
}

void rcar_placement_free(RcarPlacement *plan)
{
    if (plan) {
        for (unsigned int i = 0; i < plan->nvcpus; i++) {
            g_free(plan->sets[i]);
        }
        g_free(plan->sets);
        g_free(plan->notice);
        g_free(plan);
    }
}

bool rcar_host_cpus_mixed(const RcarHostCpus *topo,
                          const unsigned long *usable)
{
    const RcarHostCpu *first = NULL;

    for (unsigned int i = 0; i < topo->ncpus; i++) {
        const RcarHostCpu *c = &topo->cpus[i];

        if (!test_bit(c->id, usable) || !c->midr) {
            continue;
        }
        if (!first) {
            first = c;
        } else if (MIDR_KIND(c->midr) != MIDR_KIND(first->midr)) {
            return true;
        }
    }
    return false;
}

bool rcar_placement_is_mixed(const RcarPlacement *plan)
{
    for (unsigned int v = 1; v < plan->nvcpus; v++) {
        if (!plan->sets[v] != !plan->sets[0] ||
            (plan->sets[v] && !bitmap_equal(plan->sets[v], plan->sets[0],
                                            RCAR_HOST_MAX_CPUS))) {
            return true;
        }
    }
    return false;
}

/* "0-3 Cortex-A57 r1p3, 4-7 Cortex-A53 r0p4": the usable CPUs by MIDR */
static char *describe_usable(const RcarPlacementRequest *req)
{
    g_autofree unsigned long *seen = bitmap_new(req->topo->ncpus);
    g_autofree unsigned long *set = bitmap_new(RCAR_HOST_MAX_CPUS);
    GString *s = g_string_new("");

    for (unsigned int i = 0; i < req->topo->ncpus; i++) {
        const RcarHostCpu *c = &req->topo->cpus[i];
        g_autofree char *list = NULL;
        g_autofree char *core = NULL;

        if (test_bit(i, seen) || !test_bit(c->id, req->usable)) {
            continue;
        }
        bitmap_zero(set, RCAR_HOST_MAX_CPUS);
        for (unsigned int j = i; j < req->topo->ncpus; j++) {
            const RcarHostCpu *d = &req->topo->cpus[j];

            if (d->midr == c->midr && test_bit(d->id, req->usable)) {
                set_bit(d->id, set);
                set_bit(j, seen);
            }
        }
        list = rcar_cpulist_format(set);
        core = c->midr ? rcar_midr_describe(c->midr)
                       : g_strdup("of unknown identity");
        g_string_append_printf(s, "%s%s %s", s->len ? ", " : "", list, core);
    }
    if (!s->len) {
        g_string_append(s, "none online");
    }
    return g_string_free(s, false);
}

RcarPlacement *rcar_placement_plan(const RcarPlacementRequest *req,
                                   Error **errp)
{
    const RcarHostCpus *topo = req->topo;
    g_autoptr(RcarPlacement) plan = g_new0(RcarPlacement, 1);
    const RcarHostCpu *probe = NULL;
    const RcarHostCpu *first = NULL;     /* the first usable with a MIDR */
    bool mixed = rcar_host_cpus_mixed(topo, req->usable);

    for (unsigned int i = 0; i < topo->ncpus; i++) {
        const RcarHostCpu *c = &topo->cpus[i];

        if (c->id == req->probe_cpu) {
            probe = c;
        }
        if (!first && test_bit(c->id, req->usable) && c->midr) {
            first = c;
        }
    }

    plan->nvcpus = req->nvcpus;
    plan->sets = g_new0(unsigned long *, req->nvcpus);
    for (unsigned int v = 0; v < req->nvcpus; v++) {
        const RcarVcpuNeed *need = &req->vcpus[v];
        g_autofree unsigned long *set = bitmap_new(RCAR_HOST_MAX_CPUS);
        bool names_core = MIDR_IMPLEMENTER(need->midr) != 0 && !need->host;
        bool found = false;

        if (need->host) {
            if (!mixed) {
                continue;
            }
            if (!probe || !test_bit(probe->id, req->usable)) {
                error_setg(errp, "rcar-virt: the host CPU model was probed "
                           "on CPU %d, which is not a usable online CPU",
                           req->probe_cpu);
                return NULL;
            }
        }
        for (unsigned int i = 0; i < topo->ncpus; i++) {
            const RcarHostCpu *c = &topo->cpus[i];
            bool match;

            if (need->host) {
                match = c->cluster == probe->cluster &&
                        MIDR_KIND(c->midr) == MIDR_KIND(probe->midr);
            } else {
                match = names_core && c->midr &&
                        MIDR_KIND(c->midr) == MIDR_KIND(need->midr);
            }
            if (match && test_bit(c->id, req->usable)) {
                set_bit(c->id, set);
                found = true;
            }
        }
        if (!found) {
            if (req->strict && !names_core) {
                error_setg(errp, "rcar-virt: vCPU %u is %s, which is no core "
                           "a host could have, so placement=strict cannot "
                           "place it; use placement=auto or off", v,
                           need->model);
                return NULL;
            }
            if (req->strict || (req->kvm && names_core)) {
                g_autofree char *usable = describe_usable(req);
                g_autofree char *core = rcar_midr_describe(need->midr);

                /* Drop the revision: any revision of the core will do */
                *strrchr(core, ' ') = '\0';
                error_setg(errp, "rcar-virt: vCPU %u is %s but no usable host "
                           "CPU is a %s (usable: %s); use placement=off or "
                           "run on a host with that core", v, need->model,
                           core, usable);
                return NULL;
            }
            continue;
        }
        if (!mixed && names_core && first &&
            MIDR_KIND(need->midr) == MIDR_KIND(first->midr)) {
            /* One kind of CPU and it is ours: pinning changes nothing */
            continue;
        }
        plan->sets[v] = g_steal_pointer(&set);
    }

    /* Threads may share CPUs; say so once, for the first crowded set */
    for (unsigned int v = 0; v < req->nvcpus && !plan->notice; v++) {
        unsigned int sharing = 0, width;
        g_autofree char *list = NULL;

        if (!plan->sets[v]) {
            continue;
        }
        for (unsigned int w = 0; w < req->nvcpus; w++) {
            if (plan->sets[w] && bitmap_equal(plan->sets[v], plan->sets[w],
                                              RCAR_HOST_MAX_CPUS)) {
                sharing++;
            }
        }
        width = bitmap_count_one(plan->sets[v], RCAR_HOST_MAX_CPUS);
        if (sharing > width) {
            list = rcar_cpulist_format(plan->sets[v]);
            plan->notice = g_strdup_printf(
                "rcar-virt: %u %s vCPUs share the %u host CPU%s %s that "
                "match them; they will take turns", sharing,
                req->vcpus[v].model, width, width == 1 ? "" : "s", list);
        }
    }
    return g_steal_pointer(&plan);
}
