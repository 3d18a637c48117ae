/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of hw/arm/rcar-host-cpus.c: the host topology reader and the
 * vCPU placement it feeds, against sysfs trees of real boards and hostile
 * ones.  tests/qtest/rcar-virt-test.c checks the machine that uses it.
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qapi/error.h"
#include "hw/arm/rcar-host-cpus.h"

#define A57_R1P3 "0x00000000411fd073\n"    /* R-Car H3 ES3.0 boot log */
#define A53_R0P4 "0x00000000410fd034\n"
#define A57_R0P0 "0x00000000410fd070\n"    /* Juno r0 */
#define A53_R0P0 "0x00000000410fd030\n"
#define A72_R0P2 "0x00000000410fd082\n"    /* RK3399 */
#define A72_R0P3 "0x00000000410fd083\n"    /* BCM2711 */

/* QEMU's own models, as ARMCPU::midr */
#define QEMU_A57 0x411fd070
#define QEMU_A53 0x410fd034
#define QEMU_A72 0x410fd083
#define QEMU_MAX 0x000f0510

typedef struct FixtureCpu {
    unsigned int id;
    const char *midr;           /* file contents; NULL: no file */
    const char *cluster;        /* topology/cluster_cpus_list */
    const char *package;        /* topology/package_cpus_list */
} FixtureCpu;

typedef struct Fixture {
    const char *online;         /* NULL: no online file */
    FixtureCpu cpus[8];
} Fixture;

/* R-Car H3: cluster0 = 4x A57, cluster1 = 4x A53 (r8a77951.dtsi) */
static const Fixture h3 = {
    "0-7\n", {
        { 0, A57_R1P3, "0-3\n", "0-7\n" }, { 1, A57_R1P3, "0-3\n", "0-7\n" },
        { 2, A57_R1P3, "0-3\n", "0-7\n" }, { 3, A57_R1P3, "0-3\n", "0-7\n" },
        { 4, A53_R0P4, "4-7\n", "0-7\n" }, { 5, A53_R0P4, "4-7\n", "0-7\n" },
        { 6, A53_R0P4, "4-7\n", "0-7\n" }, { 7, A53_R0P4, "4-7\n", "0-7\n" },
    }
};

/* H3 on a kernel before 5.16: the DT cluster shows as the package */
static const Fixture h3_old_kernel = {
    "0-7\n", {
        { 0, A57_R1P3, NULL, "0-3\n" }, { 1, A57_R1P3, NULL, "0-3\n" },
        { 2, A57_R1P3, NULL, "0-3\n" }, { 3, A57_R1P3, NULL, "0-3\n" },
        { 4, A53_R0P4, NULL, "4-7\n" }, { 5, A53_R0P4, NULL, "4-7\n" },
        { 6, A53_R0P4, NULL, "4-7\n" }, { 7, A53_R0P4, NULL, "4-7\n" },
    }
};

/* H3 with no topology directory at all: clusters come from the MIDRs */
static const Fixture h3_no_topology = {
    "0-7\n", {
        { 0, A57_R1P3 }, { 1, A57_R1P3 }, { 2, A57_R1P3 }, { 3, A57_R1P3 },
        { 4, A53_R0P4 }, { 5, A53_R0P4 }, { 6, A53_R0P4 }, { 7, A53_R0P4 },
    }
};

/* H3 with CPU 3 offline: Linux removes its regs/ directory */
static const Fixture h3_cpu3_offline = {
    "0-2,4-7\n", {
        { 0, A57_R1P3, "0-2\n" }, { 1, A57_R1P3, "0-2\n" },
        { 2, A57_R1P3, "0-2\n" },
        { 4, A53_R0P4, "4-7\n" }, { 5, A53_R0P4, "4-7\n" },
        { 6, A53_R0P4, "4-7\n" }, { 7, A53_R0P4, "4-7\n" },
    }
};

/* R-Car M3-W: 2x A57 + 4x A53 (r8a77960.dtsi; revisions unverified) */
static const Fixture m3w = {
    "0-5\n", {
        { 0, A57_R1P3, "0-1\n" }, { 1, A57_R1P3, "0-1\n" },
        { 2, A53_R0P4, "2-5\n" }, { 3, A53_R0P4, "2-5\n" },
        { 4, A53_R0P4, "2-5\n" }, { 5, A53_R0P4, "2-5\n" },
    }
};

/* Juno r0: the big cores are CPUs 1 and 2, not contiguous with cluster 0 */
static const Fixture juno = {
    "0-5\n", {
        { 0, A53_R0P0, "0,3-5\n" }, { 1, A57_R0P0, "1-2\n" },
        { 2, A57_R0P0, "1-2\n" }, { 3, A53_R0P0, "0,3-5\n" },
        { 4, A53_R0P0, "0,3-5\n" }, { 5, A53_R0P0, "0,3-5\n" },
    }
};

/* RK3399: 4x A53 + 2x A72 */
static const Fixture rk3399 = {
    "0-5\n", {
        { 0, A53_R0P4, "0-3\n" }, { 1, A53_R0P4, "0-3\n" },
        { 2, A53_R0P4, "0-3\n" }, { 3, A53_R0P4, "0-3\n" },
        { 4, A72_R0P2, "4-5\n" }, { 5, A72_R0P2, "4-5\n" },
    }
};

/* One kind of core (Raspberry Pi 4) */
static const Fixture homogeneous = {
    "0-3\n", {
        { 0, A72_R0P3, "0-3\n" }, { 1, A72_R0P3, "0-3\n" },
        { 2, A72_R0P3, "0-3\n" }, { 3, A72_R0P3, "0-3\n" },
    }
};

/* Not an arm64 host: CPUs, but no identification registers */
static const Fixture x86 = {
    "0-1\n", { { 0, NULL, "0\n" }, { 1, NULL, "1\n" } }
};

static void write_file(const char *root, const char *rel, const char *text)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR)) {
            remove_tree(child);
        } else {
            g_assert_cmpint(unlink(child), ==, 0);
        }
    }
    g_assert_cmpint(rmdir(path), ==, 0);
}

/* A fixture's sysfs tree in a new temporary directory */
static char *fixture_tree(const Fixture *f)
{
    char *root = g_dir_make_tmp("rcar-sysfs-XXXXXX", NULL);

    g_assert_nonnull(root);
    if (f->online) {
        write_file(root, "devices/system/cpu/online", f->online);
    }
    for (int i = 0; i < ARRAY_SIZE(f->cpus) && f->cpus[i].midr; i++) {
        const FixtureCpu *c = &f->cpus[i];
        g_autofree char *base = g_strdup_printf("devices/system/cpu/cpu%u",
                                                c->id);
        g_autofree char *midr = g_strconcat(base,
            "/regs/identification/midr_el1", NULL);
        g_autofree char *cluster = g_strconcat(base,
            "/topology/cluster_cpus_list", NULL);
        g_autofree char *package = g_strconcat(base,
            "/topology/package_cpus_list", NULL);

        write_file(root, midr, c->midr);
        if (c->cluster) {
            write_file(root, cluster, c->cluster);
        }
        if (c->package) {
            write_file(root, package, c->package);
        }
    }
    /* The x86 fixture has CPUs without identification registers */
    for (int i = 0; f == &x86 && i < 2; i++) {
        g_autofree char *rel = g_strdup_printf(
            "devices/system/cpu/cpu%d/topology/cluster_cpus_list", i);

        write_file(root, rel, f->cpus[i].cluster);
    }
    return root;
}

static RcarHostCpus *read_fixture(const Fixture *f)
{
    g_autofree char *root = fixture_tree(f);
    RcarHostCpus *topo = rcar_host_cpus_read(root, &error_abort);

    remove_tree(root);
    return topo;
}

/* The error reading a fixture tree with one file replaced */
static char *read_error(const Fixture *f, const char *rel, const char *text)
{
    g_autofree char *root = fixture_tree(f);
    Error *err = NULL;
    char *msg;

    if (text) {
        write_file(root, rel, text);
    } else {
        g_autofree char *path = g_build_filename(root, rel, NULL);

        g_assert_cmpint(unlink(path), ==, 0);
    }
    g_assert_null(rcar_host_cpus_read(root, &err));
    g_assert_nonnull(err);
    msg = g_strdup(error_get_pretty(err));
    error_free(err);
    remove_tree(root);
    return msg;
}

static unsigned long *cpus(const char *list)
{
    unsigned long *set = bitmap_new(RCAR_HOST_MAX_CPUS);

    g_assert_true(rcar_cpulist_parse(list, set, &error_abort));
    return set;
}

typedef struct Case {
    const Fixture *fixture;
    const char *usable;
    int probe_cpu;
    bool strict, kvm;
    unsigned int nvcpus;
    RcarVcpuNeed vcpus[8];
} Case;

/*
 * Plan a case; return the host CPUs of each vCPU joined with " | " ("-"
 * for unpinned), or "error: MESSAGE".  *notice gets the notice, if any.
 */
static char *plan(const Case *c, char **notice)
{
    g_autoptr(RcarHostCpus) topo = read_fixture(c->fixture);
    g_autofree unsigned long *usable = cpus(c->usable);
    RcarPlacementRequest req = {
        .topo = topo, .usable = usable, .nvcpus = c->nvcpus,
        .vcpus = c->vcpus, .probe_cpu = c->probe_cpu,
        .strict = c->strict, .kvm = c->kvm,
    };
    g_autoptr(RcarPlacement) p = NULL;
    g_autoptr(GString) out = g_string_new("");
    Error *err = NULL;

    p = rcar_placement_plan(&req, &err);
    if (notice) {
        *notice = p ? g_strdup(p->notice) : NULL;
    }
    if (!p) {
        char *msg = g_strdup_printf("error: %s", error_get_pretty(err));

        error_free(err);
        return msg;
    }
    g_assert_null(err);
    g_assert_cmpuint(p->nvcpus, ==, c->nvcpus);
    for (unsigned int v = 0; v < p->nvcpus; v++) {
        g_autofree char *list = p->sets[v] ? rcar_cpulist_format(p->sets[v])
                                           : g_strdup("-");

        g_string_append_printf(out, "%s%s", v ? " | " : "", list);
    }
    return g_strdup(out->str);
}

#define A57(midr) { "cortex-a57", (midr) }
#define A53 { "cortex-a53", QEMU_A53 }
#define HOST { "host", 0, true }

static void test_cpulist(void)
{
    g_autofree unsigned long *set = bitmap_new(RCAR_HOST_MAX_CPUS);
    static const char *const bad[] = {
        "x", "1,,2", "-1", "0-", "0-1-2", "3-1", "4096", "0-4096",
        "99999999999999999999", "1 2",
    };
    Error *err = NULL;
    g_autofree char *s1 = NULL;
    g_autofree char *s2 = NULL;

    g_assert_true(rcar_cpulist_parse("0-3,6,8-9\n", set, &error_abort));
    s1 = rcar_cpulist_format(set);
    g_assert_cmpstr(s1, ==, "0-3,6,8-9");
    g_assert_true(rcar_cpulist_parse("\n", set, &error_abort));
    s2 = rcar_cpulist_format(set);
    g_assert_cmpstr(s2, ==, "");
    g_assert_true(rcar_cpulist_parse("4095", set, &error_abort));
    g_assert_true(test_bit(4095, set));

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_assert_false(rcar_cpulist_parse(bad[i], set, &err));
        g_assert_nonnull(err);
        error_free(err);
        err = NULL;
    }
}

static void test_midr_describe(void)
{
    g_autofree char *a57 = rcar_midr_describe(0x411fd073);
    g_autofree char *a53 = rcar_midr_describe(0x410fd034);
    g_autofree char *other = rcar_midr_describe(0x461f0010);

    g_assert_cmpstr(a57, ==, "Cortex-A57 r1p3");
    g_assert_cmpstr(a53, ==, "Cortex-A53 r0p4");
    g_assert_cmpstr(other, ==, "implementer 0x46 part 0x001 r1p0");
}

static void test_read_boards(void)
{
    g_autoptr(RcarHostCpus) t = read_fixture(&h3);
    g_autoptr(RcarHostCpus) old = read_fixture(&h3_old_kernel);
    g_autoptr(RcarHostCpus) none = read_fixture(&h3_no_topology);
    g_autoptr(RcarHostCpus) off = read_fixture(&h3_cpu3_offline);
    g_autoptr(RcarHostCpus) j = read_fixture(&juno);
    g_autoptr(RcarHostCpus) pc = read_fixture(&x86);

    g_assert_cmpuint(t->ncpus, ==, 8);
    g_assert_cmpstr(t->cluster_source, ==, "cluster_cpus_list");
    for (int i = 0; i < 8; i++) {
        g_assert_cmpuint(t->cpus[i].id, ==, i);
        g_assert_cmphex(t->cpus[i].midr, ==, i < 4 ? 0x411fd073 : 0x410fd034);
        g_assert_cmpuint(t->cpus[i].cluster, ==, i < 4 ? 0 : 4);
        g_assert_cmpuint(old->cpus[i].cluster, ==, i < 4 ? 0 : 4);
        g_assert_cmpuint(none->cpus[i].cluster, ==, i < 4 ? 0 : 4);
    }
    g_assert_cmpstr(old->cluster_source, ==, "package_cpus_list");
    g_assert_cmpstr(none->cluster_source, ==, "midr_el1");

    g_assert_cmpuint(off->ncpus, ==, 7);
    g_assert_cmpuint(off->cpus[3].id, ==, 4);
    g_assert_cmpuint(off->cpus[3].cluster, ==, 4);

    g_assert_cmpuint(j->cpus[0].cluster, ==, 0);
    g_assert_cmpuint(j->cpus[1].cluster, ==, 1);
    g_assert_cmpuint(j->cpus[2].cluster, ==, 1);
    g_assert_cmpuint(j->cpus[5].cluster, ==, 0);

    g_assert_cmpuint(pc->ncpus, ==, 2);
    g_assert_cmphex(pc->cpus[0].midr, ==, 0);
    g_assert_cmphex(pc->cpus[1].midr, ==, 0);
}

#define ONLINE "devices/system/cpu/online"
#define MIDR2 "devices/system/cpu/cpu2/regs/identification/midr_el1"
#define CLUSTER5 "devices/system/cpu/cpu5/topology/cluster_cpus_list"

static void test_read_hostile(void)
{
    static const struct {
        const char *rel, *text, *expect;    /* text NULL: remove the file */
    } cases[] = {
        { ONLINE, NULL, "cannot read" },
        { ONLINE, "all of them\n", "not a CPU list" },
        { ONLINE, "0-99999\n", "beyond CPU 4095" },
        { ONLINE, "7-0\n", "reversed" },
        { ONLINE, "\n", "lists no CPU" },
        { MIDR2, "0x0000000041zzd073\n", "not a MIDR_EL1 value" },
        { MIDR2, "0x1000000411fd073\n", "not a MIDR_EL1 value" },
        { MIDR2, "0\n", "not a MIDR_EL1 value" },
        { MIDR2, "", "not a MIDR_EL1 value" },
        { CLUSTER5, "0-3\n", "does not list CPU 5 itself" },
        { CLUSTER5, "5-4095,4096\n", "beyond CPU 4095" },
        { CLUSTER5, "four\n", "not a CPU list" },
    };
    g_autofree char *huge = g_strnfill(5000, '7');
    g_autofree char *msg = read_error(&h3, ONLINE, huge);

    g_assert_nonnull(strstr(msg, "is not a line of text"));
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *m = read_error(&h3, cases[i].rel, cases[i].text);

        if (!strstr(m, cases[i].expect)) {
            g_test_message("case %zu: '%s' lacks '%s'", i, m,
                           cases[i].expect);
            g_test_fail();
        }
    }
}

static void test_plan_h3(void)
{
    static const Case soc_h3 = {
        &h3, "0-7", 0, false, true, 8, {
            A57(0x411fd073), A57(0x411fd073), A57(0x411fd073),
            A57(0x411fd073), A53, A53, A53, A53,
        }
    };
    static const Case cpu_a57 = {
        &h3, "0-7", 0, false, true, 2, { A57(QEMU_A57), A57(QEMU_A57) }
    };
    static const Case cpu_a53_tcg = {
        &h3, "0-7", 0, false, false, 1, { A53 }
    };
    static const Case host_on_a53 = {
        &h3, "0-7", 6, false, true, 2, { HOST, HOST }
    };
    static const Case host_on_a57 = {
        &h3, "0-7", 1, false, true, 1, { HOST }
    };
    /* An outer taskset or cpuset: only the A53 cluster is usable */
    static const Case a57_in_a53_cpuset = {
        &h3, "4-7", 4, false, true, 1, { A57(QEMU_A57) }
    };
    static const Case a57_in_a53_cpuset_tcg = {
        &h3, "4-7", 4, false, false, 1, { A57(QEMU_A57) }
    };
    static const Case a53_in_part_cpuset = {
        &h3, "0-1,6-7", 0, false, true, 1, { A53 }
    };
    g_autofree char *notice = NULL;
    g_autofree char *r1 = plan(&soc_h3, &notice);
    g_autofree char *r2 = plan(&cpu_a57, NULL);
    g_autofree char *r3 = plan(&cpu_a53_tcg, NULL);
    g_autofree char *r4 = plan(&host_on_a53, NULL);
    g_autofree char *r5 = plan(&host_on_a57, NULL);
    g_autofree char *r6 = plan(&a57_in_a53_cpuset, NULL);
    g_autofree char *r7 = plan(&a57_in_a53_cpuset_tcg, NULL);
    g_autofree char *r8 = plan(&a53_in_part_cpuset, NULL);

    g_assert_cmpstr(r1, ==, "0-3 | 0-3 | 0-3 | 0-3 | 4-7 | 4-7 | 4-7 | 4-7");
    g_assert_null(notice);
    g_assert_cmpstr(r2, ==, "0-3 | 0-3");
    g_assert_cmpstr(r3, ==, "4-7");
    g_assert_cmpstr(r4, ==, "4-7 | 4-7");
    g_assert_cmpstr(r5, ==, "0-3");
    g_assert_cmpstr(r6, ==, "error: rcar-virt: vCPU 0 is cortex-a57 but no "
                    "usable host CPU is a Cortex-A57 (usable: 4-7 Cortex-A53 "
                    "r0p4); use placement=off or run on a host with that "
                    "core");
    /* TCG can run any model anywhere: no match leaves it unpinned */
    g_assert_cmpstr(r7, ==, "-");
    g_assert_cmpstr(r8, ==, "6-7");
}

static void test_plan_other_boards(void)
{
    static const Case m3w_guest = {
        &m3w, "0-5", 0, false, true, 6, {
            A57(QEMU_A57), A57(QEMU_A57), A53, A53, A53, A53,
        }
    };
    static const Case juno_a57 = {
        &juno, "0-5", 0, false, true, 1, { A57(QEMU_A57) }
    };
    static const Case juno_a53 = {
        &juno, "0-5", 0, false, true, 1, { A53 }
    };
    static const Case juno_crowded = {
        &juno, "0-5", 0, false, true, 4, {
            A57(QEMU_A57), A57(QEMU_A57), A57(QEMU_A57), A57(QEMU_A57),
        }
    };
    static const Case juno_host = {
        &juno, "0-5", 2, false, true, 1, { HOST }
    };
    static const Case rk3399_a72 = {
        &rk3399, "0-5", 0, false, false, 2, {
            { "cortex-a72", QEMU_A72 }, { "cortex-a72", QEMU_A72 },
        }
    };
    static const Case rk3399_a57 = {
        &rk3399, "0-5", 0, false, true, 1, { A57(QEMU_A57) }
    };
    static const Case offline = {
        &h3_cpu3_offline, "0-7", 0, false, true, 2, { A57(QEMU_A57), A53 }
    };
    static const Case old_kernel_host = {
        &h3_old_kernel, "0-7", 2, false, true, 1, { HOST }
    };
    static const Case no_topology_host = {
        &h3_no_topology, "0-7", 5, false, true, 1, { HOST }
    };
    g_autofree char *notice = NULL;
    g_autofree char *r1 = plan(&m3w_guest, NULL);
    g_autofree char *r2 = plan(&juno_a57, NULL);
    g_autofree char *r3 = plan(&juno_a53, NULL);
    g_autofree char *r4 = plan(&juno_crowded, &notice);
    g_autofree char *r5 = plan(&juno_host, NULL);
    g_autofree char *r6 = plan(&rk3399_a72, NULL);
    g_autofree char *r7 = plan(&rk3399_a57, NULL);
    g_autofree char *r8 = plan(&offline, NULL);
    g_autofree char *r9 = plan(&old_kernel_host, NULL);
    g_autofree char *r10 = plan(&no_topology_host, NULL);

    g_assert_cmpstr(r1, ==, "0-1 | 0-1 | 2-5 | 2-5 | 2-5 | 2-5");
    g_assert_cmpstr(r2, ==, "1-2");
    g_assert_cmpstr(r3, ==, "0,3-5");
    g_assert_cmpstr(r4, ==, "1-2 | 1-2 | 1-2 | 1-2");
    g_assert_cmpstr(notice, ==, "rcar-virt: 4 cortex-a57 vCPUs share the 2 "
                    "host CPUs 1-2 that match them; they will take turns");
    g_assert_cmpstr(r5, ==, "1-2");
    g_assert_cmpstr(r6, ==, "4-5 | 4-5");
    g_assert_cmpstr(r7, ==, "error: rcar-virt: vCPU 0 is cortex-a57 but no "
                    "usable host CPU is a Cortex-A57 (usable: 0-3 Cortex-A53 "
                    "r0p4, 4-5 Cortex-A72 r0p2); use placement=off or run on "
                    "a host with that core");
    g_assert_cmpstr(r8, ==, "0-2 | 4-7");
    g_assert_cmpstr(r9, ==, "0-3");
    g_assert_cmpstr(r10, ==, "4-7");
}

static void test_plan_homogeneous(void)
{
    static const Case host = {
        &homogeneous, "0-3", 2, false, true, 4, { HOST, HOST, HOST, HOST }
    };
    static const Case own_core = {
        &homogeneous, "0-3", 0, true, true, 1, { { "cortex-a72", QEMU_A72 } }
    };
    static const Case other_core_kvm = {
        &homogeneous, "0-3", 0, false, true, 1, { A57(QEMU_A57) }
    };
    static const Case other_core_tcg = {
        &homogeneous, "0-3", 0, false, false, 1, { A57(QEMU_A57) }
    };
    static const Case other_core_strict = {
        &homogeneous, "0-3", 0, true, false, 1, { A57(QEMU_A57) }
    };
    static const Case pc_tcg = {
        &x86, "0-1", 0, false, false, 2, { A57(QEMU_A57), A53 }
    };
    static const Case pc_strict = {
        &x86, "0-1", 0, true, false, 1, { A57(QEMU_A57) }
    };
    static const Case max_strict = {
        &h3, "0-7", 0, true, false, 1, { { "max", QEMU_MAX } }
    };
    static const Case max_auto = {
        &h3, "0-7", 0, false, false, 1, { { "max", QEMU_MAX } }
    };
    g_autofree char *r1 = plan(&host, NULL);
    g_autofree char *r2 = plan(&own_core, NULL);
    g_autofree char *r3 = plan(&other_core_kvm, NULL);
    g_autofree char *r4 = plan(&other_core_tcg, NULL);
    g_autofree char *r5 = plan(&other_core_strict, NULL);
    g_autofree char *r6 = plan(&pc_tcg, NULL);
    g_autofree char *r7 = plan(&pc_strict, NULL);
    g_autofree char *r8 = plan(&max_strict, NULL);
    g_autofree char *r9 = plan(&max_auto, NULL);

    /* -cpu host on one kind of core: nothing changes */
    g_assert_cmpstr(r1, ==, "- | - | - | -");
    g_assert_cmpstr(r2, ==, "-");
    g_assert_cmpstr(r3, ==, "error: rcar-virt: vCPU 0 is cortex-a57 but no "
                    "usable host CPU is a Cortex-A57 (usable: 0-3 Cortex-A72 "
                    "r0p3); use placement=off or run on a host with that "
                    "core");
    g_assert_cmpstr(r4, ==, "-");
    g_assert_true(g_str_has_prefix(r5, "error: rcar-virt: vCPU 0 is "
                                   "cortex-a57 but no usable host CPU"));
    g_assert_cmpstr(r6, ==, "- | -");
    g_assert_cmpstr(r7, ==, "error: rcar-virt: vCPU 0 is cortex-a57 but no "
                    "usable host CPU is a Cortex-A57 (usable: 0-1 of unknown "
                    "identity); use placement=off or run on a host with that "
                    "core");
    g_assert_cmpstr(r8, ==, "error: rcar-virt: vCPU 0 is max, which is no "
                    "core a host could have, so placement=strict cannot "
                    "place it; use placement=auto or off");
    g_assert_cmpstr(r9, ==, "-");
}

/* Is a plan's guest spread over kinds of core (KVM then drops the PMU)? */
static bool plan_is_mixed(const Case *c)
{
    g_autoptr(RcarHostCpus) topo = read_fixture(c->fixture);
    g_autofree unsigned long *usable = cpus(c->usable);
    RcarPlacementRequest req = {
        .topo = topo, .usable = usable, .nvcpus = c->nvcpus,
        .vcpus = c->vcpus, .probe_cpu = c->probe_cpu, .kvm = c->kvm,
    };
    g_autoptr(RcarPlacement) p = rcar_placement_plan(&req, &error_abort);

    return rcar_placement_is_mixed(p);
}

static void test_plan_mixed(void)
{
    static const Case big_little = {
        &h3, "0-7", 0, false, true, 2, { A57(QEMU_A57), A53 }
    };
    static const Case a53s = {
        &h3, "0-7", 0, false, true, 2, { A53, A53 }
    };
    static const Case hosts = {
        &h3, "0-7", 5, false, true, 2, { HOST, HOST }
    };
    /* TCG: one vCPU matches, the other does not and stays unpinned */
    static const Case half = {
        &rk3399, "0-5", 0, false, false, 2,
        { { "cortex-a72", QEMU_A72 }, A57(QEMU_A57) }
    };

    g_assert_true(plan_is_mixed(&big_little));
    g_assert_false(plan_is_mixed(&a53s));
    g_assert_false(plan_is_mixed(&hosts));
    g_assert_true(plan_is_mixed(&half));
}

static void test_plan_bad_probe(void)
{
    /* The host model was probed on a CPU outside the usable set */
    static const Case c = { &h3, "0-5", 6, false, true, 1, { HOST } };
    g_autofree char *r = plan(&c, NULL);

    g_assert_cmpstr(r, ==, "error: rcar-virt: the host CPU model was probed "
                    "on CPU 6, which is not a usable online CPU");
}

/*
 * The cost of placement at start-up: read an H3 tree and plan a soc=h3
 * guest.  Runs only with -m perf (scripts/bench-placement.sh).
 */
static void test_perf_read_and_plan(void)
{
    g_autofree char *root = fixture_tree(&h3);
    g_autofree unsigned long *usable = cpus("0-7");
    RcarVcpuNeed needs[8] = {
        A57(0x411fd073), A57(0x411fd073), A57(0x411fd073), A57(0x411fd073),
        A53, A53, A53, A53,
    };
    const int rounds = 2000;
    gdouble secs;

    g_test_timer_start();
    for (int i = 0; i < rounds; i++) {
        g_autoptr(RcarHostCpus) topo = rcar_host_cpus_read(root, &error_abort);
        RcarPlacementRequest req = {
            .topo = topo, .usable = usable, .nvcpus = 8, .vcpus = needs,
            .probe_cpu = 0, .kvm = true,
        };
        g_autoptr(RcarPlacement) p = rcar_placement_plan(&req, &error_abort);

        g_assert_nonnull(p->sets[7]);
    }
    secs = g_test_timer_elapsed();
    g_test_minimized_result(secs * 1e6 / rounds,
                            "read + plan, 8 host CPUs, 8 vCPUs: %.1f us",
                            secs * 1e6 / rounds);
    remove_tree(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcar-host-cpus/cpulist", test_cpulist);
    g_test_add_func("/rcar-host-cpus/midr-describe", test_midr_describe);
    g_test_add_func("/rcar-host-cpus/read/boards", test_read_boards);
    g_test_add_func("/rcar-host-cpus/read/hostile", test_read_hostile);
    g_test_add_func("/rcar-host-cpus/plan/h3", test_plan_h3);
    g_test_add_func("/rcar-host-cpus/plan/other-boards",
                    test_plan_other_boards);
    g_test_add_func("/rcar-host-cpus/plan/homogeneous",
                    test_plan_homogeneous);
    g_test_add_func("/rcar-host-cpus/plan/bad-probe", test_plan_bad_probe);
    g_test_add_func("/rcar-host-cpus/plan/mixed", test_plan_mixed);
    if (g_test_perf()) {
        g_test_add_func("/rcar-host-cpus/perf/read-and-plan",
                        test_perf_read_and_plan);
    }
    return g_test_run();
}
