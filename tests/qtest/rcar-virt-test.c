/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * QTest for the rcar-virt machine (hw/arm/rcar-virt.c)
 *
 * Checks each SoC preset's CPUs (QOM) and device tree (dumpdtb, read with
 * libfdt), that the virtio shorthands create virtio-mmio devices in
 * command-line order, and that bad options are refused with a message.
 * Guest boots are tested outside qtest, by scripts/boot-test.sh.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include <libfdt.h>

#define MMIO_BASE 0x0a000000
#define MMIO_SIZE 0x200
#define MMIO_COUNT 32

typedef struct PresetCpu {
    const char *model;
    uint32_t mpidr;
    unsigned int cluster;
    unsigned int core;
    uint32_t midr;              /* 0: not checked */
    uint32_t capacity;          /* 0: no capacity-dmips-mhz */
} PresetCpu;

typedef struct Preset {
    const char *soc;
    const char *gic_compat;
    int ncpus;
    int pmu_nodes;              /* per-core-type PMU nodes; 0: one /pmu */
    PresetCpu cpus[8];
} Preset;

/* Gen3: the revisions of target/arm/cpu-rcar.c */
#define A57(m, cl, co, cap) { "cortex-a57-r1p3", m, cl, co, 0x411fd073, cap }
#define A53(m, cl, co, cap) { "cortex-a53-r0p4", m, cl, co, 0x410fd034, cap }
#define A76(m, cl, co) { "cortex-a76", m, cl, co, 0, 0 }
#define A55(m, cl, co) { "cortex-a55", m, cl, co, 0, 0 }
/* soc=generic: QEMU's own models, as -cpu names them */
#define UP57(m, cl, co) { "cortex-a57", m, cl, co, 0x411fd070, 0 }
#define UP53(m, cl, co) { "cortex-a53", m, cl, co, 0x410fd034, 0 }

/* From RCAR-FACTS: the SoCs' Linux device trees and an H3 boot log */
static const Preset presets[] = {
    { "h3", "arm,gic-400", 8, 2, {
        A57(0x000, 0, 0, 1024), A57(0x001, 0, 1, 1024),
        A57(0x002, 0, 2, 1024), A57(0x003, 0, 3, 1024),
        A53(0x100, 1, 0, 535), A53(0x101, 1, 1, 535),
        A53(0x102, 1, 2, 535), A53(0x103, 1, 3, 535),
    } },
    { "m3w", "arm,gic-400", 6, 2, {
        A57(0x000, 0, 0, 1024), A57(0x001, 0, 1, 1024),
        A53(0x100, 1, 0, 535), A53(0x101, 1, 1, 535),
        A53(0x102, 1, 2, 535), A53(0x103, 1, 3, 535),
    } },
    { "m3n", "arm,gic-400", 2, 0, {
        A57(0x000, 0, 0, 0), A57(0x001, 0, 1, 0),
    } },
    { "e3", "arm,gic-400", 2, 0, {
        A53(0x000, 0, 0, 0), A53(0x001, 0, 1, 0),
    } },
    { "v3h", "arm,gic-400", 4, 0, {
        A53(0x000, 0, 0, 0), A53(0x001, 0, 1, 0),
        A53(0x002, 0, 2, 0), A53(0x003, 0, 3, 0),
    } },
    { "v4h", "arm,gic-v3", 4, 0, {
        A76(0x00000, 0, 0), A76(0x00100, 0, 1),
        A76(0x10000, 1, 0), A76(0x10100, 1, 1),
    } },
    { "s4", "arm,gic-v3", 8, 0, {
        A55(0x00000, 0, 0), A55(0x00100, 0, 1),
        A55(0x10000, 1, 0), A55(0x10100, 1, 1),
        A55(0x20000, 2, 0), A55(0x20100, 2, 1),
        A55(0x30000, 3, 0), A55(0x30100, 3, 1),
    } },
};

/* Dump the running machine's device tree and read it back */
static void *dump_fdt(QTestState *qts)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    char *fdt;
    gsize len;
    int fd = g_file_open_tmp("rcar-virt-test-XXXXXX.dtb", &path, &err);

    g_assert_no_error(err);
    close(fd);
    qtest_qmp_assert_success(qts,
                             "{'execute': 'dumpdtb',"
                             " 'arguments': {'filename': %s}}", path);
    g_assert_true(g_file_get_contents(path, &fdt, &len, &err));
    g_assert_no_error(err);
    unlink(path);
    g_assert_cmpint(fdt_check_header(fdt), ==, 0);
    g_assert_cmpuint(fdt_totalsize(fdt), <=, len);
    return fdt;
}

static uint32_t fdt_cell(const void *fdt, int node, const char *prop, int i)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

    g_assert_nonnull(p);
    g_assert_cmpint(len, >=, (i + 1) * 4);
    return fdt32_to_cpu(p[i]);
}

/* The core a model is ("cortex-a57" for cortex-a57-r1p3): bindings use it */
static char *core_name(const char *model)
{
    const char *rev = strstr(model, "-r");

    return g_strndup(model, rev ? rev - model : strlen(model));
}

static char *cpu_type(const char *model)
{
    return g_strdup_printf("%s-arm-cpu", model);
}

/* The CPUs QEMU made: their count, QOM types and MIDRs */
static void check_cpus_qom(QTestState *qts, const Preset *p)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-cpus-fast'}");
    QList *cpus = qdict_get_qlist(resp, "return");
    QListEntry *e;
    int i = 0;

    g_assert_nonnull(cpus);
    QLIST_FOREACH_ENTRY(cpus, e) {
        QDict *cpu = qobject_to(QDict, qlist_entry_obj(e));
        const char *path = qdict_get_str(cpu, "qom-path");
        g_autofree char *want = NULL;
        QDict *r;

        g_assert_cmpint(i, <, p->ncpus);
        g_assert_cmpint(qdict_get_int(cpu, "cpu-index"), ==, i);
        r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments':"
                      " {'path': %s, 'property': 'type'}}", path);
        want = cpu_type(p->cpus[i].model);
        g_assert_cmpstr(qdict_get_str(r, "return"), ==, want);
        qobject_unref(r);
        if (p->cpus[i].midr) {
            r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments':"
                          " {'path': %s, 'property': 'midr'}}", path);
            g_assert_cmphex(qdict_get_int(r, "return"), ==, p->cpus[i].midr);
            qobject_unref(r);
        }
        i++;
    }
    g_assert_cmpint(i, ==, p->ncpus);
    qobject_unref(resp);
}

static void check_cpus_fdt(const void *fdt, const Preset *p)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    int node, i = 0;

    g_assert_cmpint(cpus, >=, 0);
    fdt_for_each_subnode(node, fdt, cpus) {
        const PresetCpu *c;
        g_autofree char *compat = NULL;
        g_autofree char *map = NULL;
        int mapnode;
        const void *cap;
        g_autofree char *core = NULL;

        if (strncmp(fdt_get_name(fdt, node, NULL), "cpu@", 4)) {
            continue;
        }
        g_assert_cmpint(i, <, p->ncpus);
        c = &p->cpus[i];
        /* The binding names the core, not the revision (-r1p3) */
        core = core_name(c->model);
        compat = g_strdup_printf("arm,%s", core);
        g_assert_cmpstr(fdt_getprop(fdt, node, "compatible", NULL), ==,
                        compat);
        g_assert_cmphex(fdt_cell(fdt, node, "reg", 0), ==, c->mpidr);
        cap = fdt_getprop(fdt, node, "capacity-dmips-mhz", NULL);
        if (c->capacity) {
            g_assert_cmpuint(fdt_cell(fdt, node, "capacity-dmips-mhz", 0),
                             ==, c->capacity);
        } else {
            g_assert_null(cap);
        }
        g_assert_cmpstr(fdt_getprop(fdt, node, "enable-method", NULL), ==,
                        "psci");

        map = g_strdup_printf("/cpus/cpu-map/socket0/cluster%u/core%u",
                              c->cluster, c->core);
        mapnode = fdt_path_offset(fdt, map);
        g_assert_cmpint(mapnode, >=, 0);
        g_assert_cmpuint(fdt_cell(fdt, mapnode, "cpu", 0), ==,
                         fdt_get_phandle(fdt, node));
        i++;
    }
    g_assert_cmpint(i, ==, p->ncpus);
}

static void check_platform_fdt(const void *fdt, const Preset *p)
{
    int node, n = 0;

    node = fdt_path_offset(fdt, "/intc@8000000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(fdt_getprop(fdt, node, "compatible", NULL), ==,
                    p->gic_compat);

    node = fdt_path_offset(fdt, "/psci");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(fdt_getprop(fdt, node, "method", NULL), ==, "hvc");

    g_assert_cmpint(fdt_path_offset(fdt, "/timer"), >=, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/pl011@9000000"), >=, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/pl031@9010000"), >=, 0);

    /* All transports, lowest address first: the guest probes in order */
    fdt_for_each_subnode(node, fdt, 0) {
        uint64_t addr;

        if (fdt_node_check_compatible(fdt, node, "virtio,mmio")) {
            continue;
        }
        addr = ((uint64_t)fdt_cell(fdt, node, "reg", 0) << 32) |
               fdt_cell(fdt, node, "reg", 1);
        g_assert_cmphex(addr, ==, MMIO_BASE + n * MMIO_SIZE);
        n++;
    }
    g_assert_cmpint(n, ==, MMIO_COUNT);

    if (!p->pmu_nodes) {
        g_assert_cmpint(fdt_path_offset(fdt, "/pmu"), >=, 0);
    } else {
        int nodes = 0;

        g_assert_cmpint(fdt_path_offset(fdt, "/pmu"), <, 0);
        fdt_for_each_subnode(node, fdt, 0) {
            nodes += !strncmp(fdt_get_name(fdt, node, NULL), "pmu-", 4);
        }
        g_assert_cmpint(nodes, ==, p->pmu_nodes);
        /* CPU i: SPI 64 + i, in its core type's node, pointing back at it */
        for (int i = 0; i < p->ncpus; i++) {
            g_autofree char *core = core_name(p->cpus[i].model);
            g_autofree char *path = g_strdup_printf("/pmu-%s", core);
            g_autofree char *compat = g_strdup_printf("arm,%s-pmu", core);
            g_autofree char *cpu = g_strdup_printf("/cpus/cpu@%x",
                                                   p->cpus[i].mpidr);
            int k = 0, len;

            node = fdt_path_offset(fdt, path);
            g_assert_cmpint(node, >=, 0);
            /* A compatible Linux's arm_pmuv3 driver knows */
            g_assert_cmpstr(fdt_getprop(fdt, node, "compatible", NULL), ==,
                            compat);
            for (int j = 0; j < i; j++) {
                k += !strcmp(p->cpus[j].model, p->cpus[i].model);
            }
            g_assert_nonnull(fdt_getprop(fdt, node, "interrupt-affinity",
                                         &len));
            g_assert_cmpint(len, >, k * 4);
            g_assert_cmpuint(fdt_cell(fdt, node, "interrupt-affinity", k), ==,
                             fdt_get_phandle(fdt, fdt_path_offset(fdt, cpu)));
            g_assert_cmpuint(fdt_cell(fdt, node, "interrupts", 3 * k + 1), ==,
                             64 + i);
        }
    }
}

static void test_preset(const void *data)
{
    const Preset *p = data;
    QTestState *qts = qtest_initf("-machine rcar-virt,soc=%s", p->soc);
    g_autofree void *fdt = NULL;

    check_cpus_qom(qts, p);
    fdt = dump_fdt(qts);
    check_cpus_fdt(fdt, p);
    check_platform_fdt(fdt, p);
    qtest_quit(qts);
}

/* An explicit -smp or -cpu that matches the preset is fine */
static void test_preset_matching_options(void)
{
    QTestState *qts = qtest_init("-machine rcar-virt,soc=h3 -smp 8");

    check_cpus_qom(qts, &presets[0]);
    qtest_quit(qts);

    qts = qtest_init("-machine rcar-virt,soc=h3 -smp 8,clusters=2,cores=4");
    check_cpus_qom(qts, &presets[0]);
    qtest_quit(qts);

    qts = qtest_init("-machine rcar-virt,soc=m3n -smp 2 -cpu cortex-a57-r1p3");
    check_cpus_qom(qts, &presets[2]);
    qtest_quit(qts);
}

/* The preset is fixed once the machine exists */
static void test_soc_readonly_at_runtime(void)
{
    QTestState *qts = qtest_init("-machine rcar-virt");
    QDict *r = qtest_qmp(qts, "{'execute': 'qom-set', 'arguments':"
                         " {'path': '/machine', 'property': 'soc',"
                         "  'value': 'h3'}}");

    g_assert_true(qdict_haskey(r, "error"));
    qobject_unref(r);
    /* and the machine is still whole */
    check_cpus_qom(qts, &(Preset){ "generic", "arm,gic-v3", 1, 0, {
        UP57(0, 0, 0) } });
    qtest_quit(qts);
}

/* soc=generic: -cpu and -smp as on virt, clusters from -smp */
static void test_generic(void)
{
    QTestState *qts = qtest_init("-machine rcar-virt -cpu cortex-a53 "
                                 "-smp 4,clusters=2,cores=2");
    const Preset p = { "generic", "arm,gic-v3", 4, 0, {
        UP53(0, 0, 0), UP53(1, 0, 1),
        UP53(2, 1, 0), UP53(3, 1, 1),
    } };
    g_autofree void *fdt = NULL;

    check_cpus_qom(qts, &p);
    fdt = dump_fdt(qts);
    check_cpus_fdt(fdt, &p);
    check_platform_fdt(fdt, &p);
    qtest_quit(qts);
}

/* The default machine: no options at all, cortex-a57, one CPU */
static void test_no_options(void)
{
    QTestState *qts = qtest_init("-machine rcar-virt");
    const Preset p = { "generic", "arm,gic-v3", 1, 0, {
        UP57(0, 0, 0),
    } };

    check_cpus_qom(qts, &p);
    qtest_quit(qts);
}

/*
 * The address of the virtio-mmio transport that holds the device whose
 * "info qtree" block contains @needle, or 0 if none does.
 */
static uint64_t transport_of(const char *qtree, const char *needle)
{
    g_auto(GStrv) lines = g_strsplit(qtree, "\n", -1);
    uint64_t addr = 0;

    for (int i = 0; lines[i]; i++) {
        const char *mmio = strstr(lines[i], "mmio ");

        if (strstr(lines[i], "dev: virtio-mmio,")) {
            addr = 0;
        } else if (mmio && !addr) {
            addr = g_ascii_strtoull(mmio + 5, NULL, 16);
        } else if (strstr(lines[i], needle)) {
            return addr;
        }
    }
    return 0;
}

static void test_shorthands(void)
{
    static const char * const devices[] = {
        "virtio-blk-device", "virtio-rng-device", "virtio-gpu-device",
        "virtio-serial-device", "virtio-keyboard-device",
        "virtio-tablet-device", "virtio-net-device", "virtio-9p-device",
    };
    g_autofree char *dir = NULL;
    g_autofree char *qtree = NULL;
    uint64_t first, second;
    QTestState *qts;

    /* virtio-gpu is a module and 9p needs VIRTFS: both are optional */
    if (!qtest_has_device("virtio-gpu-device") ||
        !qtest_has_device("virtio-9p-device")) {
        g_test_skip("this build has no virtio-gpu-device or "
                    "virtio-9p-device");
        return;
    }
    dir = g_dir_make_tmp("rcar-virt-9p-XXXXXX", NULL);
    qts = qtest_initf(
        "-machine rcar-virt "
        "-drive if=virtio,driver=null-co,id=first "
        "-drive if=virtio,driver=null-co,id=second "
        "-device virtio-rng -device virtio-gpu -device virtio-serial "
        "-device virtio-keyboard -device virtio-tablet "
        "-netdev hubport,id=n0,hubid=0 -net nic,netdev=n0 "
        "-virtfs local,path=%s,mount_tag=host0,security_model=none", dir);
    qtree = qtest_hmp(qts, "info qtree");

    for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
        g_autofree char *line = g_strdup_printf("dev: %s,", devices[i]);

        g_assert_cmphex(transport_of(qtree, line), >=, MMIO_BASE);
    }
    g_assert_null(strstr(qtree, "-pci"));

    /* The first -drive if=virtio is the first disk the guest sees */
    first = transport_of(qtree, "drive = \"first\"");
    second = transport_of(qtree, "drive = \"second\"");
    g_assert_cmphex(first, >=, MMIO_BASE);
    g_assert_cmphex(second, >, first);

    qtest_quit(qts);
    rmdir(dir);
}

/* The long forms users copy from virt keep working */
static void test_long_forms(void)
{
    QTestState *qts = qtest_init(
        "-machine rcar-virt "
        "-drive if=none,id=d0,driver=null-co "
        "-device virtio-blk-device,drive=d0 "
        "-device virtio-serial-device "
        "-chardev null,id=c0 -device virtconsole,chardev=c0");
    g_autofree char *qtree = qtest_hmp(qts, "info qtree");

    /*
     * The default NIC (no -nic given) is made first, then the -device
     * options in command-line order, from the lowest transport up.
     */
    g_assert_cmphex(transport_of(qtree, "dev: virtio-net-device,"), ==,
                    MMIO_BASE);
    g_assert_cmphex(transport_of(qtree, "drive = \"d0\""), ==,
                    MMIO_BASE + MMIO_SIZE);
    g_assert_cmphex(transport_of(qtree, "dev: virtio-serial-device,"), ==,
                    MMIO_BASE + 2 * MMIO_SIZE);
    g_assert_nonnull(strstr(qtree, "dev: virtconsole,"));
    /* Modern transports, which virtio-gpu drivers require */
    g_assert_nonnull(strstr(qtree, "force-legacy = false"));
    g_assert_null(strstr(qtree, "force-legacy = true"));
    qtest_quit(qts);
}

static void test_virtio_console(void)
{
    QTestState *qts = qtest_init(
        "-machine rcar-virt,virtio-console=on "
        "-chardev null,id=c0,mux=on -serial chardev:c0");
    g_autofree char *qtree = qtest_hmp(qts, "info qtree");

    g_assert_cmphex(transport_of(qtree, "dev: virtio-serial-device,"), >=,
                    MMIO_BASE);
    g_assert_nonnull(strstr(qtree, "dev: virtconsole,"));
    g_assert_nonnull(strstr(qtree, "chardev = \"c0\""));
    qtest_quit(qts);
}

/*
 * pcie=on: a generic ECAM host with MSIs (ITS on GICv3, GICv2m frame on
 * GIC-400); -device virtio-*-pci goes there, the aliases stay on mmio.
 */
static void check_pcie(const char *machine, const char *msi_compat,
                       const char *msi_prop, int phandle_cell)
{
    QTestState *qts = qtest_initf("-machine %s -nic none "
                                  "-device virtio-rng-pci,id=p0 "
                                  "-device virtio-rng,id=m0", machine);
    g_autofree char *qtree = qtest_hmp(qts, "info qtree");
    g_autofree void *fdt = dump_fdt(qts);
    int pcie = fdt_path_offset(fdt, "/pcie@3f000000");
    int msi = fdt_node_offset_by_compatible(fdt, -1, msi_compat);

    g_assert_nonnull(strstr(qtree, "dev: virtio-rng-pci, id \"p0\""));
    g_assert_cmphex(transport_of(qtree, "dev: virtio-rng-device, id \"m0\""),
                    ==, MMIO_BASE);
    g_assert_cmpint(pcie, >=, 0);
    g_assert_cmpstr(fdt_getprop(fdt, pcie, "compatible", NULL), ==,
                    "pci-host-ecam-generic");
    g_assert_cmpint(msi, >=, 0);
    g_assert_cmpuint(fdt_cell(fdt, pcie, msi_prop, phandle_cell), ==,
                     fdt_get_phandle(fdt, msi));
    qtest_quit(qts);
}

static void test_pcie(void)
{
    /* msi-map = <rid-base msi-controller msi-base length> */
    check_pcie("rcar-virt,pcie=on", "arm,gic-v3-its", "msi-map", 1);
    check_pcie("rcar-virt,soc=h3,pcie=on", "arm,gic-v2m-frame", "msi-parent",
               0);
}

/* pcie=off (the default): no PCI host, no PCI node */
static void test_no_pcie(void)
{
    QTestState *qts = qtest_init("-machine rcar-virt");
    g_autofree void *fdt = dump_fdt(qts);

    g_assert_cmpint(fdt_path_offset(fdt, "/pcie@3f000000"), <, 0);
    qtest_quit(qts);
}

/* -bios: the firmware image is in a ROM at address 0, where CPUs start */
static void test_bios(void)
{
    g_autofree char *path = NULL;
    static const uint32_t image[] = { 0xd503201f, 0x14000000, 0x12345678 };
    uint32_t le[ARRAY_SIZE(image)];
    int fd = g_file_open_tmp("rcar-virt-bios-XXXXXX", &path, NULL);
    QTestState *qts;

    for (size_t i = 0; i < ARRAY_SIZE(image); i++) {
        le[i] = cpu_to_le32(image[i]);
    }
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, le, sizeof(le)), ==, sizeof(le));
    close(fd);
    qts = qtest_initf("-machine rcar-virt -bios %s", path);
    for (size_t i = 0; i < ARRAY_SIZE(image); i++) {
        g_assert_cmphex(qtest_readl(qts, i * 4), ==, image[i]);
    }
    /* A ROM: guest writes do not stick */
    qtest_writel(qts, 0, 0);
    g_assert_cmphex(qtest_readl(qts, 0), ==, image[0]);
    qtest_quit(qts);
    unlink(path);
}

/*
 * virtualization=on: EL2 for the guest, so the GIC describes its
 * hypervisor interface and maintenance interrupt, PSCI moves to SMC,
 * and VHE cores (A76) get the EL2 virtual timer too.
 */
static void check_virtualization(const char *soc, int gic_reg_cells,
                                 int timer_irqs)
{
    QTestState *qts = qtest_initf("-machine rcar-virt,soc=%s,"
                                  "virtualization=on", soc);
    g_autofree void *fdt = dump_fdt(qts);
    int gic = fdt_path_offset(fdt, "/intc@8000000");
    int timer = fdt_path_offset(fdt, "/timer");
    int psci = fdt_path_offset(fdt, "/psci");
    int len;

    g_assert_nonnull(fdt_getprop(fdt, gic, "reg", &len));
    g_assert_cmpint(len, ==, gic_reg_cells * 4);
    g_assert_cmpuint(fdt_cell(fdt, gic, "interrupts", 1), ==, 9);
    g_assert_nonnull(fdt_getprop(fdt, timer, "interrupts", &len));
    g_assert_cmpint(len, ==, timer_irqs * 3 * 4);
    g_assert_cmpstr(fdt_getprop(fdt, psci, "method", NULL), ==, "smc");
    qtest_quit(qts);
}

static void test_virtualization(void)
{
    /* GIC-400: dist, cpu, hyp, vcpu; A57/A53 have no VHE */
    check_virtualization("h3", 16, 4);
    /* GICv3: dist, redist; A76 has VHE */
    check_virtualization("v4h", 8, 5);
}

/* Devices made by -device can still add to the device tree */
static void test_guest_loader_dt(void)
{
    g_autofree char *path = NULL;
    g_autofree void *fdt = NULL;
    int fd, node;
    QTestState *qts;

    if (!qtest_has_device("guest-loader")) {
        g_test_skip("this build has no guest-loader");
        return;
    }
    fd = g_file_open_tmp("rcar-virt-module-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "module", 6), ==, 6);
    close(fd);
    qts = qtest_initf("-machine rcar-virt -device guest-loader,"
                      "addr=0x48000000,kernel=%s,bootargs=rcar", path);
    fdt = dump_fdt(qts);
    node = fdt_path_offset(fdt, "/chosen/module@0x48000000");
    g_assert_cmpint(node, >=, 0);
    g_assert_cmpstr(fdt_getprop(fdt, node, "bootargs", NULL), ==, "rcar");
    qtest_quit(qts);
    unlink(path);
}

/*
 * vCPU placement against a fixture host: CPU 0 a Cortex-A57 and CPU 1 a
 * Cortex-A53, each its own cluster (x-host-sysfs).  Placement runs the
 * same with every accelerator; TCG gives each vCPU a real thread.
 */
static void write_sysfs_file(const char *root, const char *rel,
                             const char *text)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *placement_fixture(void)
{
    static const char *const midr[] = {
        "0x00000000411fd073\n", "0x00000000410fd034\n",
    };
    char *root = g_dir_make_tmp("rcar-virt-sysfs-XXXXXX", NULL);

    g_assert_nonnull(root);
    write_sysfs_file(root, "devices/system/cpu/online", "0-1\n");
    for (int i = 0; i < 2; i++) {
        g_autofree char *m = g_strdup_printf(
            "devices/system/cpu/cpu%d/regs/identification/midr_el1", i);
        g_autofree char *c = g_strdup_printf(
            "devices/system/cpu/cpu%d/topology/cluster_cpus_list", i);
        g_autofree char *list = g_strdup_printf("%d\n", i);

        write_sysfs_file(root, m, midr[i]);
        write_sysfs_file(root, c, list);
    }
    return root;
}

static void remove_placement_fixture(char *root)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", root);

    g_assert_true(g_str_has_prefix(root, g_get_tmp_dir()));
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(root);
}

/* Can this process run on host CPUs 0 and 1, as the fixture assumes? */
static bool can_use_cpus_0_and_1(void)
{
    cpu_set_t set;

    return !sched_getaffinity(0, sizeof(set), &set) &&
           CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

/* Cpus_allowed_list of thread @tid of process @pid, from /proc */
static char *thread_cpus_of(int pid, int64_t tid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/task/%" PRId64
                                            "/status", pid, tid);
    g_autofree char *status = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &status, NULL, NULL));
    line = strstr(status, "Cpus_allowed_list:");
    g_assert_nonnull(line);
    line += strlen("Cpus_allowed_list:");
    return g_strndup(line + strspn(line, " \t"), strcspn(line + strspn(
                     line, " \t"), "\n"));
}

static char *thread_cpus(QTestState *qts, int64_t tid)
{
    return thread_cpus_of(qtest_pid(qts), tid);
}

/* The host-cpus list of query-cpus-fast as "0-1"-style text */
static char *qmp_host_cpus(QDict *cpu)
{
    QList *list = qdict_get_qlist(cpu, "host-cpus");
    GString *s = g_string_new("");
    QListEntry *e;

    g_assert_nonnull(list);
    QLIST_FOREACH_ENTRY(list, e) {
        g_string_append_printf(s, "%s%" PRId64, s->len ? "," : "",
                               qnum_get_int(qobject_to(QNum, e->value)));
    }
    return g_string_free(s, false);
}

/*
 * Start QEMU with @args, then compare each vCPU's thread affinity (from
 * /proc) and its query-cpus-fast host-cpus with @expect, one per vCPU
 * ("0", "1", or "ALL": unpinned, the affinity of this test itself).
 */
static void check_placement(const char *args, const char *const *expect,
                            int ncpus)
{
    g_autofree char *root = placement_fixture();
    QTestState *qts = qtest_initf("-machine rcar-virt,x-host-sysfs=%s%s "
                                  "-accel tcg -S", root, args);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-cpus-fast' }");
    QList *cpus = qdict_get_qlist(resp, "return");
    g_autofree char *hmp = qtest_hmp(qts, "info cpus");
    QListEntry *e;
    int n = 0;

    QLIST_FOREACH_ENTRY(cpus, e) {
        QDict *cpu = qobject_to(QDict, e->value);
        int index = qdict_get_int(cpu, "cpu-index");
        g_autofree char *proc = thread_cpus(qts, qdict_get_int(cpu,
                                                               "thread-id"));
        g_autofree char *qmp = qmp_host_cpus(cpu);
        g_autofree char *line = NULL;
        const char *want;

        g_assert_cmpint(index, <, ncpus);
        want = expect[index];
        if (!strcmp(want, "ALL")) {
            /* Unpinned: the affinity this test itself has */
            g_autofree char *self = thread_cpus_of(getpid(), getpid());

            g_assert_cmpstr(proc, ==, self);
        } else {
            g_assert_cmpstr(proc, ==, want);
            g_assert_cmpstr(qmp, ==, want);
            line = g_strdup_printf("CPU #%d: thread_id=%" PRId64
                                   " host_cpus=%s\r\n", index,
                                   qdict_get_int(cpu, "thread-id"), want);
            g_assert_nonnull(strstr(hmp, line));
        }
        n++;
    }
    g_assert_cmpint(n, ==, ncpus);
    qobject_unref(resp);
    qtest_quit(qts);
    remove_placement_fixture(g_steal_pointer(&root));
}

static void test_placement(void)
{
    static const char *const h3[] = { "0", "0", "0", "0", "1", "1", "1", "1" };
    static const char *const a53[] = { "1", "1" };
    static const char *const a57[] = { "0" };
    static const char *const off[] = { "ALL", "ALL", "ALL", "ALL",
                                       "ALL", "ALL", "ALL", "ALL" };
    static const char *const a72[] = { "ALL" };

    if (!can_use_cpus_0_and_1()) {
        g_test_skip("this test needs host CPUs 0 and 1 in its affinity");
        return;
    }
    /* A big.LITTLE guest: A57 vCPUs on the A57, A53 vCPUs on the A53 */
    check_placement(",soc=h3", h3, 8);
    check_placement(" -cpu cortex-a53 -smp 2", a53, 2);
    check_placement(",placement=strict -cpu cortex-a57", a57, 1);
    check_placement(",soc=h3,placement=off", off, 8);
    /* TCG runs a core the host lacks anywhere */
    check_placement(" -cpu cortex-a72", a72, 1);
}

/* The trace point prints the placement table */
static void test_placement_trace(void)
{
    g_autofree char *root = placement_fixture();
    g_autofree char *log = g_build_filename(root, "trace.log", NULL);
    g_autofree char *text = NULL;
    QTestState *qts;

    qts = qtest_initf("-machine rcar-virt,soc=m3w,x-host-sysfs=%s "
                      "-trace rcar_virt_placement -D %s", root, log);
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "vCPU 0 (cortex-a57-r1p3) on host CPUs 0"));
    g_assert_nonnull(strstr(text, "vCPU 1 (cortex-a57-r1p3) on host CPUs 0"));
    g_assert_nonnull(strstr(text, "vCPU 5 (cortex-a53-r0p4) on host CPUs 1"));
    remove_placement_fixture(g_steal_pointer(&root));
}

/* Run QEMU with @args, which must make it exit with status 1; its stderr */
static char *qemu_failure(const char *args)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = g_strdup_printf(
        "%s -display none -nodefaults -accel qtest %s", qemu, args);
    g_autoptr(GError) gerr = NULL;
    g_autofree char *out = NULL;
    char *err = NULL;
    int status;

    g_assert_nonnull(qemu);
    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status,
                                            &gerr));
    g_assert_no_error(gerr);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    return err;
}

static void test_placement_errors(void)
{
    g_autofree char *root = placement_fixture();
    g_autofree char *a72 = NULL;
    g_autofree char *broken = NULL;
    g_autofree char *bad_midr = g_build_filename(root, "devices/system/cpu/"
        "cpu1/regs/identification/midr_el1", NULL);
    g_autofree char *args = NULL;

    args = g_strdup_printf("-machine rcar-virt,placement=strict,"
                           "x-host-sysfs=%s -cpu cortex-a72", root);
    a72 = qemu_failure(args);
    g_assert_nonnull(strstr(a72, "rcar-virt: vCPU 0 is cortex-a72 but no "
                            "usable host CPU is a Cortex-A72 (usable: 0 "
                            "Cortex-A57 r1p3, 1 Cortex-A53 r0p4); use "
                            "placement=off"));

    g_assert_true(g_file_set_contents(bad_midr, "0xfeed_beef\n", -1, NULL));
    g_free(args);
    args = g_strdup_printf("-machine rcar-virt,soc=h3,x-host-sysfs=%s", root);
    broken = qemu_failure(args);
    g_assert_nonnull(strstr(broken, "rcar-virt: cannot read the host CPU "
                            "topology for placement: "));
    g_assert_nonnull(strstr(broken, "holds '0xfeed_beef', not a MIDR_EL1 "
                            "value"));
    g_assert_nonnull(strstr(broken, "Use placement=off"));
    remove_placement_fixture(g_steal_pointer(&root));
}

/*
 * Kernel images that cannot boot are refused by name instead of being run
 * as raw binaries: empty, a truncated EFI-stub Image, gzip data that does
 * not decompress, gzip of something that is not an Image.
 */
static void test_bad_kernel(void)
{
    static const uint8_t gzip_text[] = {   /* gzip of "not a kernel\n" */
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0xcb,
        0xcb, 0x2f, 0x51, 0x48, 0x54, 0xc8, 0x4e, 0x2d, 0xca, 0x4b, 0xcd,
        0xe1, 0x02, 0x00, 0x12, 0xc7, 0x8d, 0xfc, 0x0d, 0x00, 0x00, 0x00
    };
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("rcar-kernel-XXXXXX", &gerr);
    g_autofree uint8_t *image = g_malloc0(4096);
    struct {
        const char *name;
        const void *data;
        size_t len;
        const char *message;
    } cases[] = {
        { "empty", "", 0, "is empty; give -kernel an arm64 Image" },
        { "truncated", image, 4096, "is truncated: its header needs "
          "1052672 bytes, the file has 4096" },
        { "bad-gzip", gzip_text, 20, "is gzip data that does not "
          "decompress: it is truncated or corrupt" },
        { "gzip-text", gzip_text, sizeof(gzip_text), "decompresses, but "
          "not to an arm64 Image" },
    };

    g_assert_no_error(gerr);
    /* An EFI-stub Image header whose one section ends at 0x101000 */
    memcpy(image, "MZ", 2);
    memcpy(image + 0x38, "ARM\x64", 4);
    stl_le_p(image + 0x3c, 0x40);
    memcpy(image + 0x40, "PE\0\0", 4);
    stw_le_p(image + 0x46, 1);                  /* sections */
    stl_le_p(image + 0x58 + 16, 0x100000);      /* raw data size */
    stl_le_p(image + 0x58 + 20, 0x1000);        /* raw data offset */

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *path = g_build_filename(dir, cases[i].name, NULL);
        g_autofree char *args = g_strdup_printf("-machine rcar-virt "
                                                "-kernel %s", path);
        g_autofree char *err = NULL;

        g_assert_true(g_file_set_contents(path, cases[i].data, cases[i].len,
                                          NULL));
        err = qemu_failure(args);
        if (!strstr(err, cases[i].message)) {
            g_test_message("-kernel %s printed: %s", cases[i].name, err);
        }
        g_assert_nonnull(strstr(err, cases[i].message));
        g_assert_nonnull(strstr(err, path));
        unlink(path);
    }
    rmdir(dir);
}

typedef struct BadCase {
    const char *name;
    const char *args;
    const char *message;
} BadCase;

static const BadCase bad_cases[] = {
    { "smp", "-machine rcar-virt,soc=h3 -smp 4",
      "soc=h3 is 4x cortex-a57-r1p3 + 4x cortex-a53-r0p4 (8 CPUs), "
      "but -smp asks for 4; leave out -smp or use -smp 8" },
    { "cpu", "-machine rcar-virt,soc=h3 -cpu cortex-a53",
      "soc=h3 is 4x cortex-a57-r1p3 + 4x cortex-a53-r0p4; "
      "-cpu cortex-a53 does not fit it" },
    { "cpu-v4h", "-machine rcar-virt,soc=v4h -cpu cortex-a55",
      "soc=v4h is 4x cortex-a76; -cpu cortex-a55 does not fit it" },
    { "soc", "-machine rcar-virt,soc=h4",
      "Parameter 'soc' does not accept value 'h4'" },
    { "id-regs", "-machine rcar-virt,id-regs=same",
      "Parameter 'id-regs' does not accept value 'same'" },
    { "sockets", "-machine rcar-virt -smp 4,sockets=2",
      "describe the topology with -smp clusters=,cores= instead of "
      "sockets= or threads=" },
    { "clusters", "-machine rcar-virt,soc=h3 -smp 8,clusters=4,cores=2",
      "soc=h3 is 4x cortex-a57-r1p3 + 4x cortex-a53-r0p4; "
      "-smp clusters=4,cores=2 does not match its clusters" },
    { "smp-e3", "-machine rcar-virt,soc=e3 -smp 3",
      "soc=e3 is 2x cortex-a53-r0p4 (2 CPUs), but -smp asks for 3" },
    { "maxcpus", "-machine rcar-virt -smp 2,maxcpus=4",
      "CPU hotplug is not supported; drop maxcpus= from -smp" },
    { "console", "-machine rcar-virt,virtio-console=on -serial null",
      "virtio-console=on shares the first serial chardev" },
    { "too-many-cpus", "-machine rcar-virt -smp 124",
      "Invalid SMP CPUs 124" },
    { "cpu-model", "-machine rcar-virt -cpu cortex-a15", "cortex-a15" },
    { "bios-missing", "-machine rcar-virt -bios /nonexistent/fw.bin",
      "cannot find firmware '/nonexistent/fw.bin' given with -bios" },
    { "placement", "-machine rcar-virt,placement=sometimes",
      "Parameter 'placement' does not accept value 'sometimes'" },
    { "host-sysfs", "-machine rcar-virt,x-host-sysfs=/nonexistent",
      "rcar-virt: cannot read the host CPU topology for placement: cannot "
      "read /nonexistent/devices/system/cpu/online" },
    { "pci-device", "-machine rcar-virt -device virtio-blk-pci",
      "No 'PCI' bus found for device 'virtio-blk-pci'" },
};

/* Bad options: QEMU exits non-zero, says why, and does not crash */
static void test_bad_option(const void *data)
{
    const BadCase *c = data;
    g_autofree char *err = qemu_failure(c->args);

    if (!strstr(err, c->message)) {
        g_test_message("'%s' printed: %s", c->args, err);
    }
    g_assert_nonnull(strstr(err, c->message));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!qtest_has_machine("rcar-virt")) {
        g_test_skip("rcar-virt is not in this build");
        return g_test_run();
    }

    for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
        g_autofree char *name = g_strdup_printf("rcar-virt/preset/%s",
                                                presets[i].soc);

        qtest_add_data_func(name, &presets[i], test_preset);
    }
    qtest_add_func("rcar-virt/preset/matching-options",
                   test_preset_matching_options);
    qtest_add_func("rcar-virt/preset/readonly-at-runtime",
                   test_soc_readonly_at_runtime);
    qtest_add_func("rcar-virt/generic", test_generic);
    qtest_add_func("rcar-virt/no-options", test_no_options);
    qtest_add_func("rcar-virt/shorthands", test_shorthands);
    qtest_add_func("rcar-virt/long-forms", test_long_forms);
    qtest_add_func("rcar-virt/virtio-console", test_virtio_console);
    qtest_add_func("rcar-virt/pcie", test_pcie);
    qtest_add_func("rcar-virt/bios", test_bios);
    qtest_add_func("rcar-virt/virtualization", test_virtualization);
    qtest_add_func("rcar-virt/guest-loader-dt", test_guest_loader_dt);
    qtest_add_func("rcar-virt/no-pcie", test_no_pcie);
    if (qtest_has_accel("tcg")) {
        qtest_add_func("rcar-virt/placement/threads", test_placement);
    } else {
        g_test_message("SKIP rcar-virt/placement/threads: needs TCG");
    }
    qtest_add_func("rcar-virt/placement/trace", test_placement_trace);
    qtest_add_func("rcar-virt/placement/errors", test_placement_errors);
    qtest_add_func("rcar-virt/bad-kernel", test_bad_kernel);
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("rcar-virt/bad-option/%s",
                                                bad_cases[i].name);

        qtest_add_data_func(name, &bad_cases[i], test_bad_option);
    }
    return g_test_run();
}
