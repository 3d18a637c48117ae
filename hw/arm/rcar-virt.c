/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-virt: a virtio-mmio machine with Renesas R-Car CPU topologies
 *
 * A small virtual platform for guests on (or of) R-Car Gen3/Gen4 SoCs:
 * GIC, arch timer, PL011, PL031, 32 virtio-mmio transports and, for the
 * soc= presets, the SoC's real CPU clusters and identities.  The device
 * tree lives in rcar-virt-dt.c; shared types in include/hw/arm/rcar-virt.h.
 *
 * Copyright (c) 2026 The qemu-rcar authors
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qemu/datadir.h"
#include "qemu/host-utils.h"
#include "qemu/bitmap.h"
#include "qemu/thread.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/qapi-visit-machine.h"
#include "qobject/qlist.h"
#include "chardev/char.h"
#include "exec/address-spaces.h"
#include "hw/arm/rcar-virt.h"
#include "hw/arm/rcar-host-cpus.h"
#include "hw/arm/rcar-idregs.h"
#include "hw/arm/bsa.h"
#include "hw/char/pl011.h"
#include "hw/cpu/cluster.h"
#include "hw/intc/arm_gic.h"
#include "hw/intc/arm_gicv3_common.h"
#include "hw/intc/arm_gicv3_its_common.h"
#include "hw/pci-host/gpex.h"
#include "hw/pci/pci.h"
#include "hw/loader.h"
#include "elf.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/qdev-core.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "system/device_tree.h"
#include "system/hvf.h"
#include "system/kvm.h"
#include "system/system.h"
#include "system/tcg.h"
#include "target/arm/cpu-qom.h"
#include "target/arm/cpu.h"
#include "kvm_arm.h"
#include "trace.h"
#include <libfdt.h>

/*
 * Guest physical address map.  It follows virt's low map so that firmware
 * and tools built for virt find the same GIC, UART and RAM addresses.
 */
static const MemMapEntry rcar_virt_memmap[RCAR_VIRT_REGION_COUNT] = {
    [RCAR_VIRT_BOOTROM] =     { 0x00000000, 0x04000000 },
    [RCAR_VIRT_GIC_DIST] =    { 0x08000000, 0x00010000 },
    [RCAR_VIRT_GIC_CPU] =     { 0x08010000, 0x00010000 },
    [RCAR_VIRT_GIC_HYP] =     { 0x08030000, 0x00010000 },
    [RCAR_VIRT_GIC_VCPU] =    { 0x08040000, 0x00010000 },
    [RCAR_VIRT_GIC_V2M] =     { 0x08020000, 0x00001000 },
    [RCAR_VIRT_GIC_ITS] =     { 0x08080000, 0x00020000 },
    [RCAR_VIRT_GIC_REDIST] =  { 0x080a0000, 0x00f60000 },
    [RCAR_VIRT_UART] =        { 0x09000000, 0x00001000 },
    [RCAR_VIRT_RTC] =         { 0x09010000, 0x00001000 },
    [RCAR_VIRT_MMIO] =        { 0x0a000000, RCAR_VIRT_NUM_MMIO_TRANSPORTS *
                                            RCAR_VIRT_MMIO_TRANSPORT_SIZE },
    [RCAR_VIRT_PCIE_MMIO] =   { 0x10000000, 0x2eff0000 },
    [RCAR_VIRT_PCIE_PIO] =    { 0x3eff0000, 0x00010000 },
    [RCAR_VIRT_PCIE_ECAM] =   { 0x3f000000, 0x01000000 },
    /* RAM runs from here to the top of a 40-bit IPA space */
    [RCAR_VIRT_MEM] =         { 0x40000000, (1ULL << 40) - 0x40000000 },
};

/*
 * SoC presets.  Topologies, MPIDRs, capacities and GIC kinds come from the
 * upstream Linux device trees (arch/arm64/boot/dts/renesas/r8a77*.dtsi,
 * r8a779g0.dtsi, r8a779f0.dtsi).  Gen3 uses the core revisions an H3
 * boot log shows (target/arm/cpu-rcar.c), assumed the same IP on M3-W,
 * M3-N, E3 and V3H; Gen4 keeps QEMU's A76 and A55, whose shipped
 * revisions no public source gives (see the docs).
 */
static const RcarVirtSocInfo rcar_virt_socs[] = {
    {
        .soc = RCAR_VIRT_SOC_H3, .name = "R-Car H3", .gic_version = 2,
        .core_aff_shift = 0, .cluster_aff_shift = 8,
        .clusters = {
            { "cortex-a57-r1p3", 4, 1024 },
            { "cortex-a53-r0p4", 4, 535 },
        },
    }, {
        .soc = RCAR_VIRT_SOC_M3W, .name = "R-Car M3-W", .gic_version = 2,
        .core_aff_shift = 0, .cluster_aff_shift = 8,
        .clusters = {
            { "cortex-a57-r1p3", 2, 1024 },
            { "cortex-a53-r0p4", 4, 535 },
        },
    }, {
        .soc = RCAR_VIRT_SOC_M3N, .name = "R-Car M3-N", .gic_version = 2,
        .core_aff_shift = 0, .cluster_aff_shift = 8,
        .clusters = { { "cortex-a57-r1p3", 2, 0 } },
    }, {
        .soc = RCAR_VIRT_SOC_E3, .name = "R-Car E3", .gic_version = 2,
        .core_aff_shift = 0, .cluster_aff_shift = 8,
        .clusters = { { "cortex-a53-r0p4", 2, 0 } },
    }, {
        .soc = RCAR_VIRT_SOC_V3H, .name = "R-Car V3H", .gic_version = 2,
        .core_aff_shift = 0, .cluster_aff_shift = 8,
        .clusters = { { "cortex-a53-r0p4", 4, 0 } },
    }, {
        .soc = RCAR_VIRT_SOC_V4H, .name = "R-Car V4H", .gic_version = 3,
        .core_aff_shift = 8, .cluster_aff_shift = 16,
        .clusters = {
            { "cortex-a76", 2, 0 },
            { "cortex-a76", 2, 0 },
        },
    }, {
        .soc = RCAR_VIRT_SOC_S4, .name = "R-Car S4", .gic_version = 3,
        .core_aff_shift = 8, .cluster_aff_shift = 16,
        .clusters = {
            { "cortex-a55", 2, 0 },
            { "cortex-a55", 2, 0 },
            { "cortex-a55", 2, 0 },
            { "cortex-a55", 2, 0 },
        },
    },
};

#define RCAR_VIRT_DEFAULT_CPU "cortex-a57"

static const RcarVirtSocInfo *rcar_virt_find_soc(RcarVirtSoc soc)
{
    for (size_t i = 0; i < ARRAY_SIZE(rcar_virt_socs); i++) {
        if (rcar_virt_socs[i].soc == soc) {
            return &rcar_virt_socs[i];
        }
    }
    return NULL;
}

static unsigned int rcar_virt_soc_cpus(const RcarVirtSocInfo *info)
{
    unsigned int n = 0;

    for (int c = 0; c < RCAR_VIRT_MAX_CLUSTERS; c++) {
        n += info->clusters[c].cores;
    }
    return n;
}

/* "4x cortex-a57 + 4x cortex-a53", for messages */
static char *rcar_virt_soc_shape(const RcarVirtSocInfo *info)
{
    GString *s = g_string_new(NULL);
    const char *model = NULL;
    unsigned int run = 0;

    for (int c = 0; c <= RCAR_VIRT_MAX_CLUSTERS; c++) {
        const RcarVirtCluster *cl = c < RCAR_VIRT_MAX_CLUSTERS ?
                                    &info->clusters[c] : NULL;

        if (cl && cl->cores && model && !strcmp(cl->cpu_model, model)) {
            run += cl->cores;
            continue;
        }
        if (model) {
            g_string_append_printf(s, "%s%ux %s", s->len ? " + " : "",
                                   run, model);
        }
        model = (cl && cl->cores) ? cl->cpu_model : NULL;
        run = model ? cl->cores : 0;
    }
    return g_string_free(s, false);
}

/*
 * Check -cpu and -smp against the preset and lay out the CPU slots.
 * Bad user configuration ends here, with a message naming the option.
 */
static void rcar_virt_plan_cpus(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    const RcarVirtSocInfo *info = rms->soc_info;
    unsigned int ncpus = ms->smp.cpus;

    if (rms->slots) {
        return;                 /* planned already, for -numa */
    }
    if (ms->smp.max_cpus != ncpus) {
        error_report("rcar-virt: CPU hotplug is not supported; "
                     "drop maxcpus= from -smp");
        exit(1);
    }
    if (ms->smp.sockets > 1 || ms->smp.threads > 1) {
        error_report("rcar-virt: the machine has one socket of "
                     "single-threaded cores; describe the topology with "
                     "-smp clusters=,cores= instead of sockets= or threads=");
        exit(1);
    }

    rms->slots = g_new0(RcarVirtCpuSlot, ncpus);

    if (!info) {
        unsigned int per_cluster = ms->smp.cores * ms->smp.threads;

        for (unsigned int i = 0; i < ncpus; i++) {
            rms->slots[i].cluster = i / per_cluster;
            rms->slots[i].core = i % per_cluster;
        }
        rms->num_clusters = DIV_ROUND_UP(ncpus, per_cluster);
        return;
    }

    if (ncpus != rcar_virt_soc_cpus(info)) {
        g_autofree char *shape = rcar_virt_soc_shape(info);

        error_report("rcar-virt: soc=%s is %s (%u CPUs), but -smp asks "
                     "for %u; leave out -smp or use -smp %u",
                     RcarVirtSoc_str(rms->soc), shape,
                     rcar_virt_soc_cpus(info), ncpus,
                     rcar_virt_soc_cpus(info));
        exit(1);
    }

    if (ms->cpu_type) {
        for (int c = 0; c < RCAR_VIRT_MAX_CLUSTERS; c++) {
            const RcarVirtCluster *cl = &info->clusters[c];
            g_autofree char *type = NULL;

            if (!cl->cores) {
                continue;
            }
            type = g_strdup_printf(ARM_CPU_TYPE_NAME("%s"), cl->cpu_model);
            if (strcmp(type, ms->cpu_type)) {
                g_autofree char *shape = rcar_virt_soc_shape(info);
                g_autofree char *model = cpu_model_from_type(ms->cpu_type);

                error_report("rcar-virt: soc=%s is %s; -cpu %s does not "
                             "fit it: leave out -cpu, or use soc=generic "
                             "to choose the CPU model",
                             RcarVirtSoc_str(rms->soc), shape, model);
                exit(1);
            }
        }
    }

    /*
     * The preset sets the clusters.  -smp may restate them (clusters=2,
     * cores=4 for h3) or leave them out, but not contradict them.
     */
    if (ms->smp.clusters > 1) {
        bool fits = true;

        for (int c = 0; c < RCAR_VIRT_MAX_CLUSTERS; c++) {
            unsigned int want = c < ms->smp.clusters ? ms->smp.cores : 0;

            fits &= info->clusters[c].cores == want;
        }
        if (!fits) {
            g_autofree char *shape = rcar_virt_soc_shape(info);

            error_report("rcar-virt: soc=%s is %s; -smp clusters=%u,cores=%u "
                         "does not match its clusters: leave them out",
                         RcarVirtSoc_str(rms->soc), shape, ms->smp.clusters,
                         ms->smp.cores);
            exit(1);
        }
    }

    for (unsigned int i = 0, c = 0; c < RCAR_VIRT_MAX_CLUSTERS; c++) {
        for (unsigned int k = 0; k < info->clusters[c].cores; k++, i++) {
            rms->slots[i].cluster = c;
            rms->slots[i].core = k;
            rms->slots[i].info = &info->clusters[c];
        }
        if (info->clusters[c].cores) {
            rms->num_clusters = c + 1;
        }
    }
}

static const char *rcar_virt_cpu_type(RcarVirtMachineState *rms, int i);

/* A preset's CPU models must exist in this build (cortex-a76 is TCG's) */
static void rcar_virt_check_cpu_types(RcarVirtMachineState *rms)
{
    for (int i = 0; i < MACHINE(rms)->smp.cpus; i++) {
        const char *type = rcar_virt_cpu_type(rms, i);

        if (!object_class_by_name(type)) {
            g_autofree char *model = g_strndup(type, strlen(type) -
                                               strlen(ARM_CPU_TYPE_SUFFIX));

            error_report("rcar-virt: soc=%s needs the %s CPU model, which "
                         "this QEMU was built without (it comes with TCG); "
                         "use soc=generic with a -cpu it has",
                         RcarVirtSoc_str(rms->soc), model);
            exit(1);
        }
    }
}

static const char *rcar_virt_cpu_type(RcarVirtMachineState *rms, int i)
{
    MachineState *ms = MACHINE(rms);
    const RcarVirtCpuSlot *slot = &rms->slots[i];
    g_autofree char *type = NULL;

    if (!slot->info) {
        if (ms->cpu_type) {
            return ms->cpu_type;
        }
        /* Under KVM only "host" runs on whatever core the thread is on */
        return kvm_enabled() ? ARM_CPU_TYPE_NAME("host")
                             : ARM_CPU_TYPE_NAME(RCAR_VIRT_DEFAULT_CPU);
    }
    /* CPUArchId.type is borrowed: hand out an interned string */
    type = g_strdup_printf(ARM_CPU_TYPE_NAME("%s"), slot->info->cpu_model);
    return g_intern_string(type);
}

static uint64_t rcar_virt_cpu_mpidr(RcarVirtMachineState *rms, int i)
{
    const RcarVirtCpuSlot *slot = &rms->slots[i];

    if (!rms->soc_info) {
        /* As virt: GICv2 can only target 8 CPUs per affinity-0 group */
        return arm_build_mp_affinity(i, rms->gic_version == 2 ?
                                     RCAR_VIRT_GICV2_MAX_CPUS : 16);
    }
    return ((uint64_t)slot->core << rms->soc_info->core_aff_shift) |
           ((uint64_t)slot->cluster << rms->soc_info->cluster_aff_shift);
}

static void rcar_virt_choose_gic(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    unsigned int max;

    if (rms->soc_info) {
        rms->gic_version = rms->soc_info->gic_version;
    } else if (kvm_enabled()) {
        /* Take what the host's GIC can virtualize, v3 first */
        rms->gic_version = (kvm_arm_vgic_probe() & KVM_ARM_VGIC_V3) ? 3 : 2;
    } else {
        rms->gic_version = 3;
    }

    if (kvm_enabled()) {
        int have = kvm_arm_vgic_probe();
        int need = rms->gic_version == 3 ? KVM_ARM_VGIC_V3 : KVM_ARM_VGIC_V2;

        if (!(have & need)) {
            error_report("rcar-virt: soc=%s needs a GICv%d, which this "
                         "host's KVM cannot provide; use soc=generic",
                         RcarVirtSoc_str(rms->soc), rms->gic_version);
            exit(1);
        }
    }

    max = rms->gic_version == 2 ? RCAR_VIRT_GICV2_MAX_CPUS
                                : RCAR_VIRT_GICV3_MAX_CPUS;
    if (ms->smp.cpus > max) {
        error_report("rcar-virt: %u CPUs do not fit a GICv%d (at most %u); "
                     "lower -smp", ms->smp.cpus, rms->gic_version, max);
        exit(1);
    }
}

/* Does a vCPU of this type take its identity from the host under KVM? */
static bool rcar_virt_cpu_type_is_host(const char *type)
{
    return kvm_enabled() && (!strcmp(type, ARM_CPU_TYPE_NAME("host")) ||
                             !strcmp(type, ARM_CPU_TYPE_NAME("max")));
}

static Object *rcar_virt_new_cpu(RcarVirtMachineState *rms, int i)
{
    MachineState *ms = MACHINE(rms);
    const CPUArchIdList *possible = MACHINE_GET_CLASS(ms)->
        possible_cpu_arch_ids(ms);
    Object *cpuobj = object_new(possible->cpus[i].type);

    object_property_set_int(cpuobj, "mp-affinity",
                            possible->cpus[i].arch_id, NULL);
    CPU(cpuobj)->cpu_index = i;
    if (object_property_find(cpuobj, "has_el3")) {
        object_property_set_bool(cpuobj, "has_el3", false, NULL);
    }
    if (object_property_find(cpuobj, "has_el2")) {
        object_property_set_bool(cpuobj, "has_el2", rms->virtualization,
                                 NULL);
    } else if (rms->virtualization) {
        g_autofree char *model =
            cpu_model_from_type(object_get_typename(cpuobj));

        error_report("rcar-virt: virtualization=on needs CPUs with EL2, "
                     "and %s has none; choose another -cpu", model);
        exit(1);
    }
    /*
     * KVM takes a model's own target (cortex-a57: KVM_ARM_TARGET_CORTEX_A57)
     * only on a host core of that kind.  Placement keeps the vCPU there;
     * without it the thread may be anywhere, and the vCPU takes the target
     * the kernel prefers (rcar_virt_check_unplaced_kvm()).
     */
    if (rms->kvm_target >= 0 && !rcar_virt_cpu_type_is_host(
            object_get_typename(cpuobj))) {
        ARM_CPU(cpuobj)->kvm_target = rms->kvm_target;
    }
    object_property_set_link(cpuobj, "memory",
                             OBJECT(get_system_memory()), &error_abort);
    return cpuobj;
}

/*
 * Where each vCPU thread may run (placement=auto|strict): the host CPUs
 * of its core, from hw/arm/rcar-host-cpus.c.  Creates the CPU objects
 * whose MIDR it needs; "host" ones are created later, on the cluster the
 * plan gives them, because creating one probes the host core.  Returns
 * NULL with placement=off.
 */
/*
 * The host CPUs this process may run on (its main thread's affinity) into
 * @usable, RCAR_HOST_MAX_CPUS bits.  Returns 0 or an errno value.
 */
static int rcar_virt_get_usable_cpus(unsigned long *usable)
{
    g_autofree unsigned long *mask = NULL;
    unsigned long nbits;
    QemuThread self;
    int ret;

    qemu_thread_get_self(&self);
    ret = qemu_thread_get_affinity(&self, &mask, &nbits);
    if (!ret) {
        bitmap_copy(usable, mask, MIN(nbits, RCAR_HOST_MAX_CPUS));
    }
    return ret;
}

static RcarPlacement *rcar_virt_plan_placement(RcarVirtMachineState *rms,
                                               Object **cpuobjs,
                                               unsigned long *usable)
{
    MachineState *ms = MACHINE(rms);
    const CPUArchIdList *possible = MACHINE_GET_CLASS(ms)->
        possible_cpu_arch_ids(ms);
    g_autoptr(RcarHostCpus) topo = NULL;
    g_autofree RcarVcpuNeed *needs = g_new0(RcarVcpuNeed, ms->smp.cpus);
    g_auto(GStrv) models = g_new0(char *, ms->smp.cpus + 1);
    RcarPlacementRequest req = {
        .nvcpus = ms->smp.cpus,
        .vcpus = needs,
        .probe_cpu = -1,
        .strict = rms->placement == RCAR_VIRT_PLACEMENT_STRICT,
        .kvm = kvm_enabled(),
    };
    RcarPlacement *plan;
    Error *err = NULL;
    int ret;

    if (rms->placement == RCAR_VIRT_PLACEMENT_OFF) {
        return NULL;
    }
#ifndef CONFIG_LINUX
    /* The topology comes from Linux sysfs */
    if (rms->placement == RCAR_VIRT_PLACEMENT_STRICT) {
        error_report("rcar-virt: placement=strict needs a Linux host; use "
                     "placement=auto or off");
        exit(1);
    }
    return NULL;
#endif
    topo = rcar_host_cpus_read(rms->host_sysfs, &err);
    if (!topo) {
        error_reportf_err(err, "rcar-virt: cannot read the host CPU "
                          "topology for placement: ");
        error_printf("Use placement=off to start without pinning vCPUs.\n");
        exit(1);
    }
    ret = rcar_virt_get_usable_cpus(usable);
    if (ret) {
        error_report("rcar-virt: cannot read this process's CPU affinity: "
                     "%s; use placement=off", strerror(ret));
        exit(1);
    }
    req.topo = topo;
    req.usable = usable;
#ifdef CONFIG_LINUX
    req.probe_cpu = sched_getcpu();
#endif

    for (int i = 0; i < ms->smp.cpus; i++) {
        const char *type = possible->cpus[i].type;

        models[i] = cpu_model_from_type(type);
        needs[i].model = models[i];
        if (rcar_virt_cpu_type_is_host(type)) {
            needs[i].host = true;
            continue;
        }
        cpuobjs[i] = rcar_virt_new_cpu(rms, i);
        needs[i].midr = ARM_CPU(cpuobjs[i])->midr;
    }
    plan = rcar_placement_plan(&req, &err);
    if (!plan) {
        error_report_err(err);
        exit(1);
    }
    if (plan->notice) {
        warn_report("%s", plan->notice);
    }
    return plan;
}

/*
 * TCG shares translated code among the CPUs of one cpu-cluster and
 * compiles constant system registers (most ID registers, CTR_EL0) into
 * it, so an A53 vCPU could read an A57's values.  Give each CPU model its
 * own cluster; the gdbstub then shows each as a separate process.
 */
static void rcar_virt_tcg_clusters(RcarVirtMachineState *rms,
                                   Object **cpuobjs)
{
    MachineState *ms = MACHINE(rms);
    g_autoptr(GPtrArray) types = g_ptr_array_new();
    g_autoptr(GPtrArray) clusters = g_ptr_array_new();

    for (int i = 0; i < ms->smp.cpus; i++) {
        const char *type = object_get_typename(cpuobjs[i]);
        guint k;

        if (!g_ptr_array_find_with_equal_func(types, type, g_str_equal, &k)) {
            g_ptr_array_add(types, (gpointer)type);
        }
    }
    if (types->len < 2) {
        return;
    }
    for (guint k = 0; k < types->len; k++) {
        g_autofree char *name = g_strdup_printf("cpu-cluster[%u]", k);
        Object *cluster = object_new(TYPE_CPU_CLUSTER);

        object_property_add_child(OBJECT(ms), name, cluster);
        object_unref(cluster);
        qdev_prop_set_uint32(DEVICE(cluster), "cluster-id", k);
        g_ptr_array_add(clusters, cluster);
    }
    for (int i = 0; i < ms->smp.cpus; i++) {
        guint k;

        g_ptr_array_find_with_equal_func(types,
                                         object_get_typename(cpuobjs[i]),
                                         g_str_equal, &k);
        object_property_add_child(g_ptr_array_index(clusters, k), "cpu[*]",
                                  cpuobjs[i]);
    }
    for (guint k = 0; k < clusters->len; k++) {
        qdev_realize(DEVICE(g_ptr_array_index(clusters, k)), NULL,
                     &error_fatal);
    }
}

/* Run the main thread on @pin (NULL: leave it), or back where it was */
static void rcar_virt_pin_main_thread(unsigned long *pin, int vcpu)
{
    QemuThread self;
    int ret;

    if (!pin) {
        return;
    }
    qemu_thread_get_self(&self);
    ret = qemu_thread_set_affinity(&self, pin, RCAR_HOST_MAX_CPUS);
    if (ret) {
        g_autofree char *list = rcar_cpulist_format(pin);

        error_report("rcar-virt: cannot pin vCPU %d to host CPUs %s: %s; "
                     "use placement=off", vcpu, list, strerror(ret));
        exit(1);
    }
}

static void rcar_virt_unpin_main_thread(RcarVirtMachineState *rms)
{
    QemuThread self;

    qemu_thread_get_self(&self);
    qemu_thread_set_affinity(&self, rms->usable_cpus, RCAR_HOST_MAX_CPUS);
}

/*
 * A new thread starts with the affinity of the thread that creates it, so
 * the main thread narrows its own affinity around each CPU's creation and
 * realize: the vCPU thread is pinned before its first KVM_ARM_VCPU_INIT,
 * and a "host" CPU is probed on its cluster.  Later resets re-run the
 * init on the vCPU's own thread (target/arm/kvm.c), so pins hold for
 * life.
 */
static void rcar_virt_create_cpus(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    g_autofree Object **cpuobjs = g_new0(Object *, ms->smp.cpus);
    RcarPlacement *plan;

    rms->usable_cpus = bitmap_new(RCAR_HOST_MAX_CPUS);
    plan = rcar_virt_plan_placement(rms, cpuobjs, rms->usable_cpus);
    rms->placement_plan = plan;

    /*
     * KVM gives a VM a single host PMU, the one of the core that sets it
     * up, and a vCPU on a core outside that PMU fails to enter the guest.
     * vCPUs on two kinds of core cannot have a PMU.
     */
    if (kvm_enabled() && plan && rcar_placement_is_mixed(plan)) {
        warn_report("rcar-virt: KVM has one PMU per VM and these vCPUs run "
                    "on two kinds of host core: the guest gets no PMU");
        for (int i = 0; i < ms->smp.cpus; i++) {
            if (cpuobjs[i] && object_property_find(cpuobjs[i], "pmu")) {
                object_property_set_bool(cpuobjs[i], "pmu", false,
                                         &error_abort);
            }
        }
    }

    if (tcg_enabled()) {
        for (int i = 0; i < ms->smp.cpus; i++) {
            if (!cpuobjs[i]) {
                cpuobjs[i] = rcar_virt_new_cpu(rms, i);
            }
        }
        rcar_virt_tcg_clusters(rms, cpuobjs);
    }

    for (int i = 0; i < ms->smp.cpus; i++) {
        unsigned long *pin = plan ? plan->sets[i] : NULL;

        rcar_virt_pin_main_thread(pin, i);
        if (!cpuobjs[i]) {
            cpuobjs[i] = rcar_virt_new_cpu(rms, i);
        }
        qdev_realize(DEVICE(cpuobjs[i]), NULL, &error_fatal);
        if (plan && trace_event_get_state_backends(
                TRACE_RCAR_VIRT_PLACEMENT)) {
            g_autofree char *model =
                cpu_model_from_type(object_get_typename(cpuobjs[i]));
            g_autofree char *list = pin ? rcar_cpulist_format(pin)
                                        : g_strdup("any");

            trace_rcar_virt_placement(i, model, list);
        }
        object_unref(cpuobjs[i]);
        if (pin) {
            rcar_virt_unpin_main_thread(rms);
        }
    }
}

/*
 * id-regs=common: every vCPU shows one identity wherever it runs, so one
 * MIDR_EL1, which needs Linux 6.15 and a single vCPU model.
 */
static void rcar_virt_kvm_common_identity(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    Error *err = NULL;

    for (int i = 1; i < ms->smp.cpus; i++) {
        if (strcmp(rcar_virt_cpu_type(rms, i), rcar_virt_cpu_type(rms, 0))) {
            error_report("rcar-virt: id-regs=common shows every vCPU one "
                         "identity, and soc=%s mixes CPU models; use "
                         "soc=generic with one -cpu, or id-regs=model",
                         RcarVirtSoc_str(rms->soc));
            exit(1);
        }
    }
    if (!kvm_arm_enable_writable_imp_id_regs(&err)) {
        error_reportf_err(err, "rcar-virt: id-regs=common gives every vCPU "
                          "one MIDR_EL1: ");
        error_printf("Use id-regs=model with placement=auto, or a newer "
                     "host kernel.\n");
        exit(1);
    }
}

/*
 * MIDR_EL1 of the first vCPU's model on every vCPU.  REVIDR_EL1 0: the
 * models' REVIDR bits say which errata TCG does not have, and a host
 * core might; 0 claims no fix, so a guest keeps its workarounds.
 */
static void rcar_virt_kvm_set_identity(RcarVirtMachineState *rms)
{
    ARMCPU *first = ARM_CPU(qemu_get_cpu(0));
    CPUState *cs;

    CPU_FOREACH(cs) {
        int ret = kvm_arm_set_id_reg(ARM_CPU(cs), 0, 0, first->midr);
        const char *reg = "MIDR_EL1";

        if (!ret) {
            ret = kvm_arm_set_id_reg(ARM_CPU(cs), 0, 6, 0);
            reg = "REVIDR_EL1";
        }
        if (ret) {
            error_report("rcar-virt: id-regs=common: KVM refused %s on vCPU "
                         "%d (MIDR_EL1 0x%" PRIx64 "): %s", reg,
                         cs->cpu_index, first->midr, strerror(-ret));
            exit(1);
        }
    }
}

/*
 * placement=off under KVM: vCPU threads may run on any host core, so
 * every vCPU takes the target the kernel prefers (rcar_virt_new_cpu()),
 * whatever its model: the generic one since Linux 6.6, which every core
 * accepts.  Before, a vCPU starts only on a core of the kind its target
 * names, so with cores of two kinds it would start or not by chance.
 * The vCPU's MIDR_EL1 is then the host core's (docs: id-regs=common).
 */
static void rcar_virt_check_unplaced_kvm(RcarVirtMachineState *rms)
{
    g_autoptr(RcarHostCpus) topo = NULL;
    g_autofree unsigned long *usable = bitmap_new(RCAR_HOST_MAX_CPUS);
    Error *err = NULL;

    rms->kvm_target = kvm_arm_preferred_target();
    if (rms->kvm_target < 0 ||
        rms->kvm_target == QEMU_KVM_ARM_TARGET_GENERIC_V8) {
        return;
    }
    /*
     * An older kernel prefers the target of the core this thread is on.
     * It serves every vCPU if this process may only use cores of that
     * kind (an outer taskset, a cpuset); unknown topology: trust it.
     */
    topo = rcar_host_cpus_read(rms->host_sysfs, &err);
    if (!topo) {
        error_free(err);
        return;
    }
    if (rcar_virt_get_usable_cpus(usable) ||
        !rcar_host_cpus_mixed(topo, usable)) {
        return;
    }
    error_report("rcar-virt: placement=off lets vCPU threads run on host "
                 "cores of different kinds, and this host kernel initialises "
                 "a vCPU only with the target of the core it is on (the "
                 "generic target for every core came with Linux 6.6); use "
                 "placement=auto");
    exit(1);
}

/*
 * The CPU model's value of ID register (op0 3, op1 0, CRn 0, @crm, @op2),
 * as the guest would read it under TCG on this machine; false for the
 * registers QEMU does not model (ID_AFR0, ID_AA64PFR2, ...), which are
 * left alone.
 */
static bool rcar_virt_model_id_reg(RcarVirtMachineState *rms, ARMCPU *cpu,
                                   int crm, int op2, uint64_t *value)
{
    /* Per CRm, the op2 values QEMU's ARMISARegisters holds */
    static const uint8_t modelled[8] = {
        [1] = 0xf7, [2] = 0xff, [3] = 0x77, [4] = 0x33, [5] = 0x03,
        [6] = 0x07, [7] = 0x0f,
    };
    const ARMISARegisters *isar = &cpu->isar;
    const uint64_t regs[8][8] = {
        [1] = { isar->id_pfr0, isar->id_pfr1, isar->id_dfr0, 0,
                isar->id_mmfr0, isar->id_mmfr1, isar->id_mmfr2,
                isar->id_mmfr3 },
        [2] = { isar->id_isar0, isar->id_isar1, isar->id_isar2,
                isar->id_isar3, isar->id_isar4, isar->id_isar5,
                isar->id_mmfr4, isar->id_isar6 },
        [3] = { isar->mvfr0, isar->mvfr1, isar->mvfr2, 0,
                isar->id_pfr2, isar->id_dfr1, isar->id_mmfr5, 0 },
        [4] = { isar->id_aa64pfr0, isar->id_aa64pfr1, 0, 0,
                isar->id_aa64zfr0, isar->id_aa64smfr0, 0, 0 },
        [5] = { isar->id_aa64dfr0, isar->id_aa64dfr1 },
        [6] = { isar->id_aa64isar0, isar->id_aa64isar1, isar->id_aa64isar2 },
        [7] = { isar->id_aa64mmfr0, isar->id_aa64mmfr1, isar->id_aa64mmfr2,
                isar->id_aa64mmfr3 },
    };

    if (crm < 1 || crm > 7 || !(modelled[crm] & BIT(op2))) {
        return false;
    }
    *value = regs[crm][op2];
    /* QEMU adds the GICv3 system register interface when it is read */
    if (rms->gic_version == 3 && crm == 4 && op2 == 0) {
        *value = deposit64(*value, 24, 4, 1);        /* ID_AA64PFR0.GIC */
    } else if (rms->gic_version == 3 && crm == 1 && op2 == 1) {
        *value = deposit64(*value, 28, 4, 1);        /* ID_PFR1.GIC */
    }
    return true;
}

/*
 * The value to write for @want on a host that shows @have: @want, except
 * that no field goes above the host's (KVM refuses that), and a field
 * whose rule is "exact" (PMUVer, ...) keeps the host's when they differ,
 * rather than the rule's safe value: KVM takes a lower one, and 0 would
 * take the guest's PMU away while its device tree has one.
 */
static uint64_t rcar_virt_fit_to_host(const RcarIdReg *reg, uint64_t want,
                                      uint64_t have)
{
    uint64_t value = rcar_idreg_safe(reg, want, have);

    for (unsigned int i = 0; i < reg->nfields; i++) {
        const RcarIdField *f = &reg->fields[i];

        if (f->rule == RCAR_IDF_EXACT &&
            extract64(want, f->shift, f->width) !=
            extract64(have, f->shift, f->width)) {
            value = deposit64(value, f->shift, f->width,
                              extract64(have, f->shift, f->width));
        }
    }
    return value;
}

/*
 * id-regs=model|common (and auto where the kernel allows): lower each
 * writable field of the VM's ID registers to what the vCPU models have.
 * KVM keeps most ID registers per VM, so a machine that mixes models
 * shows their safe combination (hw/arm/rcar-idregs.c).  KVM refuses
 * raising a field above the host's; those fields stay the host's, and
 * with id-regs=model|common a warning names them.  Runs before the VM
 * first runs (-trace rcar_virt_id_reg shows each register); a refusal is
 * fatal unless id-regs=auto, which keeps the host's value.
 */
static void rcar_virt_kvm_id_regs(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    ARMCPU *first = ARM_CPU(qemu_get_cpu(0));
    bool require = rms->id_regs != RCAR_VIRT_ID_REGS_AUTO;
    g_autofree uint64_t *masks = g_new0(uint64_t, 64);
    g_autofree uint64_t *vals = g_new0(uint64_t, ms->smp.cpus);
    g_autoptr(GString) models = g_string_new(NULL);
    Error *err = NULL;

    if (rms->id_regs == RCAR_VIRT_ID_REGS_HOST) {
        return;
    }
    for (int i = 0; i < ms->smp.cpus; i++) {
        g_autofree char *m = cpu_model_from_type(
            object_get_typename(OBJECT(qemu_get_cpu(i))));

        if (rcar_virt_cpu_type_is_host(object_get_typename(
                OBJECT(qemu_get_cpu(i))))) {
            if (require) {
                error_report("rcar-virt: id-regs=%s shows what the vCPU "
                             "model has, and -cpu %s is the host itself; "
                             "name a model or use id-regs=host",
                             RcarVirtIdRegs_str(rms->id_regs), m);
                exit(1);
            }
            return;
        }
        if (i == 0 || strcmp(rcar_virt_cpu_type(rms, i),
                             rcar_virt_cpu_type(rms, i - 1))) {
            g_string_append_printf(models, "%s%s", models->len ? "+" : "", m);
        }
    }
    if (!kvm_arm_get_writable_id_masks(masks, &err)) {
        if (require) {
            error_reportf_err(err, "rcar-virt: id-regs=%s: ",
                              RcarVirtIdRegs_str(rms->id_regs));
            error_printf("Use id-regs=host, or a newer host kernel.\n");
            exit(1);
        }
        error_free(err);
        return;
    }

    for (int crm = 1; crm < 8; crm++) {
        for (int op2 = 0; op2 < 8; op2++) {
            const RcarIdReg *reg = rcar_idreg_find(3, 0, 0, crm, op2);
            uint64_t mask = masks[crm * 8 + op2];
            uint64_t have, want, value;
            int ret = 0;

            if (!reg || !rcar_virt_model_id_reg(rms, first, crm, op2,
                                                &want) ||
                kvm_arm_get_id_reg(first, crm, op2, &have)) {
                continue;
            }
            for (int i = 0; i < ms->smp.cpus; i++) {
                rcar_virt_model_id_reg(rms, ARM_CPU(qemu_get_cpu(i)), crm,
                                       op2, &vals[i]);
            }
            want = rcar_idreg_safe_n(reg, vals, ms->smp.cpus);
            /* Never above the host; only the bits KVM lets us write */
            value = rcar_virt_fit_to_host(reg, want, have);
            value = (have & ~mask) | (value & mask);
            trace_rcar_virt_id_reg(reg->name, mask, have, want, value);
            /* auto does what it can quietly; the trace point tells */
            if (value != want && require) {
                g_autofree char *diff =
                    rcar_idreg_describe_diff(reg, want, value);

                warn_report("rcar-virt: on this host %s vCPUs show %s "
                            "unlike the model: %s", models->str, reg->name,
                            diff);
            }
            if (value == have) {
                continue;
            }
            for (int i = 0; i < ms->smp.cpus && !ret; i++) {
                ret = kvm_arm_set_id_reg(ARM_CPU(qemu_get_cpu(i)), crm, op2,
                                         value);
            }
            if (ret && require) {
                error_report("rcar-virt: KVM refused %s = 0x%" PRIx64
                             " (host 0x%" PRIx64 "): %s; use "
                             "id-regs=host", reg->name, value, have,
                             strerror(-ret));
                exit(1);
            } else if (ret) {
                /* auto: the host's value stays, on every vCPU */
                trace_rcar_virt_id_reg(reg->name, mask, have, want, have);
                for (int i = 0; i < ms->smp.cpus; i++) {
                    kvm_arm_set_id_reg(ARM_CPU(qemu_get_cpu(i)), crm, op2,
                                       have);
                }
            }
        }
    }
}

static void rcar_virt_create_gic(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    const MemMapEntry *map = rms->memmap;
    unsigned int ncpus = ms->smp.cpus;
    SysBusDevice *sbd;
    /* Which GIC PPI each of the CPU's timer outputs drives */
    static const int timer_irq[] = {
        [GTIMER_PHYS] = ARCH_TIMER_NS_EL1_IRQ,
        [GTIMER_VIRT] = ARCH_TIMER_VIRT_IRQ,
        [GTIMER_HYP] = ARCH_TIMER_NS_EL2_IRQ,
        [GTIMER_SEC] = ARCH_TIMER_S_EL1_IRQ,
        [GTIMER_HYPVIRT] = ARCH_TIMER_NS_EL2_VIRT_IRQ,
        [GTIMER_S_EL2_PHYS] = ARCH_TIMER_S_EL2_IRQ,
        [GTIMER_S_EL2_VIRT] = ARCH_TIMER_S_EL2_VIRT_IRQ,
    };

    if (rms->gic_version == 2) {
        rms->gic = qdev_new(gic_class_name());
        qdev_prop_set_uint32(rms->gic, "revision", 2);
        if (!kvm_irqchip_in_kernel()) {
            qdev_prop_set_bit(rms->gic, "has-virtualization-extensions",
                              rms->virtualization);
        }
    } else {
        QList *redist_count = qlist_new();

        rms->gic = qdev_new(gicv3_class_name());
        qdev_prop_set_uint32(rms->gic, "revision", 3);
        qlist_append_int(redist_count, ncpus);
        qdev_prop_set_array(rms->gic, "redist-region-count", redist_count);
        if (rms->pcie && !kvm_irqchip_in_kernel()) {
            /* The emulated ITS delivers MSIs as LPIs */
            object_property_set_link(OBJECT(rms->gic), "sysmem",
                                     OBJECT(get_system_memory()),
                                     &error_abort);
            qdev_prop_set_bit(rms->gic, "has-lpi", true);
        }
    }
    qdev_prop_set_uint32(rms->gic, "num-cpu", ncpus);
    qdev_prop_set_uint32(rms->gic, "num-irq", RCAR_VIRT_NUM_SPIS + 32);
    if (!kvm_irqchip_in_kernel()) {
        qdev_prop_set_bit(rms->gic, "has-security-extensions", false);
    }

    sbd = SYS_BUS_DEVICE(rms->gic);
    sysbus_realize_and_unref(sbd, &error_fatal);
    sysbus_mmio_map(sbd, 0, map[RCAR_VIRT_GIC_DIST].base);
    if (rms->gic_version == 2) {
        sysbus_mmio_map(sbd, 1, map[RCAR_VIRT_GIC_CPU].base);
        if (rms->virtualization) {
            sysbus_mmio_map(sbd, 2, map[RCAR_VIRT_GIC_HYP].base);
            sysbus_mmio_map(sbd, 3, map[RCAR_VIRT_GIC_VCPU].base);
        }
    } else {
        sysbus_mmio_map(sbd, 1, map[RCAR_VIRT_GIC_REDIST].base);
    }

    for (unsigned int i = 0; i < ncpus; i++) {
        DeviceState *cpudev = DEVICE(qemu_get_cpu(i));
        int ppibase = RCAR_VIRT_NUM_SPIS + i * GIC_INTERNAL;
        qemu_irq maint = qdev_get_gpio_in(rms->gic,
                                          ppibase + ARCH_GIC_MAINT_IRQ);
        int pmu_irq;

        for (unsigned int t = 0; t < ARRAY_SIZE(timer_irq); t++) {
            qdev_connect_gpio_out(cpudev, t,
                                  qdev_get_gpio_in(rms->gic,
                                                   ppibase + timer_irq[t]));
        }
        if (rms->gic_version == 3) {
            qdev_connect_gpio_out_named(cpudev, "gicv3-maintenance-interrupt",
                                        0, maint);
        } else if (rms->virtualization) {
            sysbus_connect_irq(sbd, i + 4 * ncpus, maint);
        }

        /*
         * A PPI can only be described by one PMU node, so a big.LITTLE
         * guest (one PMU node per core type) gets an SPI per CPU, as on
         * the real H3.
         */
        pmu_irq = rms->pmu_per_cpu_spi ? RCAR_VIRT_SPI_PMU + i
                                       : ppibase + VIRTUAL_PMU_IRQ;
        qdev_connect_gpio_out_named(cpudev, "pmu-interrupt", 0,
                                    qdev_get_gpio_in(rms->gic, pmu_irq));

        sysbus_connect_irq(sbd, i, qdev_get_gpio_in(cpudev, ARM_CPU_IRQ));
        sysbus_connect_irq(sbd, i + ncpus,
                           qdev_get_gpio_in(cpudev, ARM_CPU_FIQ));
        sysbus_connect_irq(sbd, i + 2 * ncpus,
                           qdev_get_gpio_in(cpudev, ARM_CPU_VIRQ));
        sysbus_connect_irq(sbd, i + 3 * ncpus,
                           qdev_get_gpio_in(cpudev, ARM_CPU_VFIQ));
        if (rms->gic_version == 3) {
            sysbus_connect_irq(sbd, i + 4 * ncpus,
                               qdev_get_gpio_in(cpudev, ARM_CPU_NMI));
            sysbus_connect_irq(sbd, i + 5 * ncpus,
                               qdev_get_gpio_in(cpudev, ARM_CPU_VINMI));
        }
    }
}

/* In-kernel PMUs need their interrupt set after the GIC exists */
static void rcar_virt_kvm_pmu_init(RcarVirtMachineState *rms)
{
    unsigned long *pin;
    CPUState *cs;

    if (!kvm_enabled()) {
        return;
    }
    /* KVM takes the VM's PMU from the core the first vCPU's set-up runs on */
    pin = rms->placement_plan ? rms->placement_plan->sets[0] : NULL;
    rcar_virt_pin_main_thread(pin, 0);
    CPU_FOREACH(cs) {
        ARMCPU *cpu = ARM_CPU(cs);

        if (!arm_feature(&cpu->env, ARM_FEATURE_PMU)) {
            continue;
        }
        if (kvm_irqchip_in_kernel()) {
            kvm_arm_pmu_set_irq(cpu, rms->pmu_per_cpu_spi ?
                                32 + RCAR_VIRT_SPI_PMU + cs->cpu_index :
                                VIRTUAL_PMU_IRQ);
        }
        kvm_arm_pmu_init(cpu);
    }
    if (pin) {
        rcar_virt_unpin_main_thread(rms);
    }
}

static qemu_irq rcar_virt_spi(RcarVirtMachineState *rms, int spi)
{
    return qdev_get_gpio_in(rms->gic, spi);
}

/*
 * The transports are created from the highest address down: qdev puts
 * each new sysbus child at the head of its list, and -device picks the
 * first free virtio bus in that list, so the lowest transport (the first
 * the guest probes, see rcar_virt_fdt_add_virtio_mmio) is filled first.
 * The first virtio device on the command line is thus the first the
 * guest enumerates, unlike on virt.
 */
static void rcar_virt_create_virtio_mmio(RcarVirtMachineState *rms)
{
    hwaddr base = rms->memmap[RCAR_VIRT_MMIO].base;

    for (int i = RCAR_VIRT_NUM_MMIO_TRANSPORTS - 1; i >= 0; i--) {
        DeviceState *dev = qdev_new("virtio-mmio");

        sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
        rms->mmio[i] = dev;
        sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0,
                        base + i * RCAR_VIRT_MMIO_TRANSPORT_SIZE);
        sysbus_connect_irq(SYS_BUS_DEVICE(dev), 0,
                           rcar_virt_spi(rms, RCAR_VIRT_SPI_MMIO + i));
    }
}

/* The lowest transport with nothing plugged in, as -device would pick */
static BusState *rcar_virt_free_virtio_bus(RcarVirtMachineState *rms)
{
    for (int i = 0; i < RCAR_VIRT_NUM_MMIO_TRANSPORTS; i++) {
        BusState *bus = QLIST_FIRST(&rms->mmio[i]->child_bus);

        if (QTAILQ_EMPTY(&bus->children)) {
            return bus;
        }
    }
    error_report("rcar-virt: all %d virtio-mmio transports are in use; "
                 "remove a virtio device", RCAR_VIRT_NUM_MMIO_TRANSPORTS);
    exit(1);
}

/* -nic / -net nic: virtio-net-device unless another model is named */
static void rcar_virt_create_nics(RcarVirtMachineState *rms)
{
    DeviceState *dev;

    while ((dev = qemu_create_nic_device("virtio-net-device", true,
                                         "virtio"))) {
        qdev_realize_and_unref(dev, rcar_virt_free_virtio_bus(rms),
                               &error_fatal);
    }
}

/* virtio-console=on: hvc0 on the same chardev as the PL011 */
static void rcar_virt_create_virtio_console(RcarVirtMachineState *rms)
{
    Chardev *chr = serial_hd(0);
    DeviceState *vser, *con;

    if (!rms->virtio_console) {
        return;
    }
    if (!chr) {
        error_report("rcar-virt: virtio-console=on needs a serial chardev; "
                     "add -serial mon:stdio or -nographic");
        exit(1);
    }
    if (!object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX)) {
        error_report("rcar-virt: virtio-console=on shares the first serial "
                     "chardev with the PL011, which needs a multiplexed "
                     "one: use -serial mon:stdio, -nographic, or "
                     "-chardev ...,mux=on");
        exit(1);
    }

    vser = qdev_new("virtio-serial-device");
    qdev_realize_and_unref(vser, rcar_virt_free_virtio_bus(rms), &error_fatal);
    con = qdev_new("virtconsole");
    qdev_prop_set_chr(con, "chardev", chr);
    qdev_realize_and_unref(con, QLIST_FIRST(&vser->child_bus), &error_fatal);
}

/* The arm64 Image header: Documentation/arch/arm64/booting.rst in Linux */
#define ARM64_IMAGE_MAGIC_OFFSET    0x38
#define ARM64_IMAGE_HEADER_SIZE     64
#define PE_HEADER_OFFSET_FIELD      0x3c
#define PE_COFF_HEADER_SIZE         24      /* "PE\0\0" and the COFF header */
#define PE_SECTION_SIZE             40

static bool rcar_virt_is_arm64_image(const uint8_t *buf, size_t len)
{
    return len >= ARM64_IMAGE_HEADER_SIZE &&
           !memcmp(buf + ARM64_IMAGE_MAGIC_OFFSET, "ARM\x64", 4);
}

/*
 * The file size an EFI-stub Image's PE/COFF section table needs (the end
 * of its last section's raw data), or 0 if @buf holds no such table.
 */
static uint64_t rcar_virt_pe_image_end(const uint8_t *buf, size_t len)
{
    uint32_t pe, table;
    uint16_t sections;
    uint64_t end = 0;

    if (len < ARM64_IMAGE_HEADER_SIZE || buf[0] != 'M' || buf[1] != 'Z') {
        return 0;
    }
    pe = ldl_le_p(buf + PE_HEADER_OFFSET_FIELD);
    if (pe > len - PE_COFF_HEADER_SIZE || memcmp(buf + pe, "PE\0\0", 4)) {
        return 0;
    }
    sections = lduw_le_p(buf + pe + 6);
    table = pe + PE_COFF_HEADER_SIZE + lduw_le_p(buf + pe + 20);
    if (table > len || sections > (len - table) / PE_SECTION_SIZE) {
        return 0;
    }
    for (unsigned i = 0; i < sections; i++) {
        const uint8_t *sec = buf + table + i * PE_SECTION_SIZE;

        end = MAX(end, (uint64_t)ldl_le_p(sec + 20) + ldl_le_p(sec + 16));
    }
    return end;
}

/*
 * arm_load_kernel() loads a file it does not recognise as a raw binary at
 * the start of RAM and runs it, so a truncated or wrong -kernel hangs the
 * guest with nothing said.  Refuse what cannot boot, and say so when a
 * file is taken as a raw binary.
 */
static void rcar_virt_check_kernel(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    const char *path = ms->kernel_filename;
    g_autofree uint8_t *unzipped = NULL;
    uint8_t head[4096];
    struct stat st;
    ssize_t len;
    uint64_t end;
    int fd;

    if (!path) {
        return;
    }
    fd = qemu_open_old(path, O_RDONLY);
    if (fd < 0) {
        return;     /* arm_load_kernel() says it cannot load it */
    }
    if (fstat(fd, &st) < 0) {
        close(fd);
        return;
    }
    len = read(fd, head, sizeof(head));
    close(fd);
    if (len <= 0) {
        error_report("rcar-virt: the kernel image '%s' is empty; give "
                     "-kernel an arm64 Image", path);
        exit(1);
    }
    if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        ssize_t size = load_image_gzipped_buffer(path,
                                                 LOAD_IMAGE_MAX_GUNZIP_BYTES,
                                                 &unzipped);
        if (size < 0) {
            error_report("rcar-virt: the kernel image '%s' is gzip data "
                         "that does not decompress: it is truncated or "
                         "corrupt", path);
            exit(1);
        }
        if (!rcar_virt_is_arm64_image(unzipped, size)) {
            error_report("rcar-virt: the kernel image '%s' decompresses, "
                         "but not to an arm64 Image", path);
            exit(1);
        }
        return;
    }
    if (rcar_virt_is_arm64_image(head, len)) {
        end = rcar_virt_pe_image_end(head, len);
        if (S_ISREG(st.st_mode) && end > st.st_size) {
            error_report("rcar-virt: the kernel image '%s' is truncated: "
                         "its header needs %" PRIu64 " bytes, the file has "
                         "%" PRIu64, path, end, (uint64_t)st.st_size);
            exit(1);
        }
        return;
    }
    if ((len >= 4 && !memcmp(head, ELFMAG, SELFMAG)) ||
        (len >= 4 && ldl_be_p(head) == 0x27051956)) {
        return;     /* ELF or U-Boot image: arm_load_kernel() checks them */
    }
    warn_report("rcar-virt: the kernel image '%s' is not an arm64 Image, "
                "gzip, ELF or U-Boot image; it is loaded as a raw binary at "
                "0x%" PRIx64 " and run from there", path,
                rms->memmap[RCAR_VIRT_MEM].base);
}

static void rcar_virt_load_firmware(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    const MemMapEntry *rom = &rms->memmap[RCAR_VIRT_BOOTROM];
    g_autofree char *path = NULL;
    MemoryRegion *mr;
    ssize_t size;

    if (!ms->firmware) {
        return;
    }
    path = qemu_find_file(QEMU_FILE_TYPE_BIOS, ms->firmware);
    if (!path) {
        error_report("rcar-virt: cannot find firmware '%s' given with -bios",
                     ms->firmware);
        exit(1);
    }
    mr = g_new(MemoryRegion, 1);
    memory_region_init_rom(mr, NULL, "rcar-virt.bootrom", rom->size,
                           &error_fatal);
    memory_region_add_subregion(get_system_memory(), rom->base, mr);
    size = load_image_mr(path, mr);
    if (size < 0) {
        error_report("rcar-virt: firmware '%s' does not fit the %" PRIu64
                     " MiB boot ROM", ms->firmware, rom->size / MiB);
        exit(1);
    }
    rms->bootinfo.firmware_loaded = true;
}

/*
 * MSIs for pcie=on: an ITS beside a GICv3, a GICv2m frame beside a
 * GIC-400.  Without an ITS (a KVM host whose GIC has none) PCI devices
 * fall back to INTx.
 */
static void rcar_virt_create_msi(RcarVirtMachineState *rms)
{
    const MemMapEntry *map = rms->memmap;
    DeviceState *dev;

    if (rms->gic_version == 3) {
        const char *its = its_class_name();

        if (!its) {
            return;
        }
        dev = qdev_new(its);
        object_property_set_link(OBJECT(dev), "parent-gicv3",
                                 OBJECT(rms->gic), &error_abort);
        sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
        sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, map[RCAR_VIRT_GIC_ITS].base);
        rms->msi_is_its = true;
    } else {
        dev = qdev_new("arm-gicv2m");
        qdev_prop_set_uint32(dev, "base-spi", RCAR_VIRT_SPI_V2M);
        qdev_prop_set_uint32(dev, "num-spi", RCAR_VIRT_NUM_V2M_SPIS);
        sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
        sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, map[RCAR_VIRT_GIC_V2M].base);
        for (int i = 0; i < RCAR_VIRT_NUM_V2M_SPIS; i++) {
            sysbus_connect_irq(SYS_BUS_DEVICE(dev), i,
                               rcar_virt_spi(rms, RCAR_VIRT_SPI_V2M + i));
        }
    }
    rms->msi_phandle = qemu_fdt_alloc_phandle(MACHINE(rms)->fdt);
}

/* pcie=on: a generic ECAM host bridge, for passthrough and USB */
static void rcar_virt_create_pcie(RcarVirtMachineState *rms)
{
    const MemMapEntry *map = rms->memmap;
    MemoryRegion *ecam, *mmio;
    DeviceState *dev;
    SysBusDevice *sbd;

    if (!rms->pcie) {
        return;
    }
    rcar_virt_create_msi(rms);

    ecam = g_new0(MemoryRegion, 1);
    mmio = g_new0(MemoryRegion, 1);

    dev = qdev_new(TYPE_GPEX_HOST);
    sbd = SYS_BUS_DEVICE(dev);
    sysbus_realize_and_unref(sbd, &error_fatal);

    memory_region_init_alias(ecam, OBJECT(dev), "pcie-ecam",
                             sysbus_mmio_get_region(sbd, 0), 0,
                             map[RCAR_VIRT_PCIE_ECAM].size);
    memory_region_add_subregion(get_system_memory(),
                                map[RCAR_VIRT_PCIE_ECAM].base, ecam);
    /* PCI MMIO addresses equal CPU addresses in the window */
    memory_region_init_alias(mmio, OBJECT(dev), "pcie-mmio",
                             sysbus_mmio_get_region(sbd, 1),
                             map[RCAR_VIRT_PCIE_MMIO].base,
                             map[RCAR_VIRT_PCIE_MMIO].size);
    memory_region_add_subregion(get_system_memory(),
                                map[RCAR_VIRT_PCIE_MMIO].base, mmio);
    sysbus_mmio_map(sbd, 2, map[RCAR_VIRT_PCIE_PIO].base);

    for (int i = 0; i < PCI_NUM_PINS; i++) {
        sysbus_connect_irq(sbd, i, rcar_virt_spi(rms, RCAR_VIRT_SPI_PCIE + i));
        gpex_set_irq_num(GPEX_HOST(dev), i, RCAR_VIRT_SPI_PCIE + i);
    }
    /* NICs of PCI models (virtio ones went to virtio-mmio already) */
    pci_init_nic_devices(PCI_HOST_BRIDGE(dev)->bus, "virtio-net-pci");
}

static void *rcar_virt_get_dtb(const struct arm_boot_info *binfo, int *size)
{
    const RcarVirtMachineState *rms =
        container_of(binfo, RcarVirtMachineState, bootinfo);
    MachineState *ms = MACHINE(rms);

    *size = ms->fdt ? fdt_totalsize(ms->fdt) : 0;
    return ms->fdt;
}

/*
 * The device tree goes into guest memory once every device exists, so
 * that devices added with -device (guest-loader, for one) can still edit
 * it, and dumpdtb shows what the guest gets.
 */
static void rcar_virt_machine_done(Notifier *notifier, void *data)
{
    RcarVirtMachineState *rms = container_of(notifier, RcarVirtMachineState,
                                             machine_done);
    struct arm_boot_info *info = &rms->bootinfo;
    ARMCPU *cpu = ARM_CPU(first_cpu);

    if (arm_load_dtb(info->dtb_start, info, info->dtb_limit,
                     arm_boot_address_space(cpu, info), MACHINE(rms),
                     cpu) < 0) {
        exit(1);
    }
}

/*
 * The options that shape the machine, sent before RAM (early_setup) so
 * that a destination started with other ones refuses the stream at once
 * and says which, instead of failing on the CPU state after all RAM was
 * copied (the machine type alone does not tell soc=h3 from soc=m3w).
 */
static int rcar_virt_shape_post_load(void *opaque, int version_id)
{
    RcarVirtMachineState *rms = opaque;
    MachineState *ms = MACHINE(rms);
    const char *soc = rms->shape_soc < RCAR_VIRT_SOC__MAX ?
                      RcarVirtSoc_str(rms->shape_soc) : "unknown";

    if (rms->shape_soc == rms->soc && rms->shape_cpus == ms->smp.cpus &&
        rms->shape_virtualization == rms->virtualization &&
        rms->shape_pcie == rms->pcie) {
        return 0;
    }
    error_report("rcar-virt: the incoming VM is soc=%s,virtualization=%s,"
                 "pcie=%s with %" PRIu32 " CPUs, but this one is soc=%s,"
                 "virtualization=%s,pcie=%s with %u CPUs; start the "
                 "destination with the source's -machine and -smp options",
                 soc, rms->shape_virtualization ? "on" : "off",
                 rms->shape_pcie ? "on" : "off", rms->shape_cpus,
                 RcarVirtSoc_str(rms->soc), rms->virtualization ? "on" : "off",
                 rms->pcie ? "on" : "off", ms->smp.cpus);
    return -EINVAL;
}

static const VMStateDescription vmstate_rcar_virt = {
    .name = "rcar-virt",
    .version_id = 1,
    .minimum_version_id = 1,
    .early_setup = true,
    .post_load = rcar_virt_shape_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(shape_soc, RcarVirtMachineState),
        VMSTATE_UINT32(shape_cpus, RcarVirtMachineState),
        VMSTATE_BOOL(shape_virtualization, RcarVirtMachineState),
        VMSTATE_BOOL(shape_pcie, RcarVirtMachineState),
        VMSTATE_END_OF_LIST()
    },
};

static void rcar_virt_register_shape(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);

    rms->shape_soc = rms->soc;
    rms->shape_cpus = ms->smp.cpus;
    rms->shape_virtualization = rms->virtualization;
    rms->shape_pcie = rms->pcie;
    vmstate_register_any(NULL, &vmstate_rcar_virt, rms);
}

static void rcar_virt_init(MachineState *ms)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(ms);
    const MemMapEntry *map = rcar_virt_memmap;

    rms->memmap = map;
    rms->soc_info = rcar_virt_find_soc(rms->soc);

    if (rms->virtualization && (kvm_enabled() || hvf_enabled())) {
        error_report("rcar-virt: virtualization=on emulates EL2 and needs "
                     "TCG; drop it with %s", current_accel_name());
        exit(1);
    }
    if (ms->ram_size > map[RCAR_VIRT_MEM].size) {
        error_report("rcar-virt: -m %" PRIu64 " MiB is more than the %"
                     PRIu64 " MiB of RAM space; lower -m",
                     ms->ram_size / MiB, map[RCAR_VIRT_MEM].size / MiB);
        exit(1);
    }

    rcar_virt_plan_cpus(rms);
    rcar_virt_check_cpu_types(rms);
    rcar_virt_choose_gic(rms);
    rms->pmu_per_cpu_spi = rms->soc_info && rms->soc_info->clusters[1].cores &&
        strcmp(rms->soc_info->clusters[0].cpu_model,
               rms->soc_info->clusters[1].cpu_model);

    rcar_virt_fdt_create(rms);
    if (kvm_enabled() && rms->placement == RCAR_VIRT_PLACEMENT_OFF) {
        rcar_virt_check_unplaced_kvm(rms);
    }
    if (kvm_enabled() && rms->id_regs == RCAR_VIRT_ID_REGS_COMMON) {
        rcar_virt_kvm_common_identity(rms);
    }
    rcar_virt_create_cpus(rms);
    if (kvm_enabled()) {
        rcar_virt_kvm_id_regs(rms);
        if (rms->id_regs == RCAR_VIRT_ID_REGS_COMMON) {
            rcar_virt_kvm_set_identity(rms);
        }
    }
    memory_region_add_subregion(get_system_memory(), map[RCAR_VIRT_MEM].base,
                                ms->ram);
    rcar_virt_create_gic(rms);
    rcar_virt_kvm_pmu_init(rms);

    pl011_create(map[RCAR_VIRT_UART].base,
                 rcar_virt_spi(rms, RCAR_VIRT_SPI_UART), serial_hd(0));
    sysbus_create_simple("pl031", map[RCAR_VIRT_RTC].base,
                         rcar_virt_spi(rms, RCAR_VIRT_SPI_RTC));
    rcar_virt_create_virtio_mmio(rms);
    rcar_virt_create_nics(rms);
    rcar_virt_create_pcie(rms);
    rcar_virt_create_virtio_console(rms);
    rcar_virt_load_firmware(rms);

    rcar_virt_fdt_add_cpus(rms);
    rcar_virt_fdt_add_gic(rms);
    rcar_virt_fdt_add_timer(rms);
    rcar_virt_fdt_add_pmu(rms);
    rcar_virt_fdt_add_uart(rms);
    rcar_virt_fdt_add_rtc(rms);
    rcar_virt_fdt_add_virtio_mmio(rms);
    rcar_virt_fdt_add_msi(rms);
    rcar_virt_fdt_add_pcie(rms);

    rms->bootinfo.ram_size = ms->ram_size;
    rms->bootinfo.board_id = -1;
    rms->bootinfo.loader_start = map[RCAR_VIRT_MEM].base;
    rms->bootinfo.get_dtb = rcar_virt_get_dtb;
    /* PSCI is served by QEMU (TCG) or KVM from the level above the guest */
    rms->bootinfo.psci_conduit = rms->virtualization ? QEMU_PSCI_CONDUIT_SMC
                                                     : QEMU_PSCI_CONDUIT_HVC;
    rms->bootinfo.skip_dtb_autoload = true;
    rcar_virt_check_kernel(rms);
    arm_load_kernel(ARM_CPU(first_cpu), ms, &rms->bootinfo);
    rcar_virt_register_shape(rms);
    rms->machine_done.notify = rcar_virt_machine_done;
    qemu_add_machine_init_done_notifier(&rms->machine_done);
}

/*
 * The IPA size to create the KVM VM with: what the memory map needs, RAM
 * being highest, not the host's maximum.  Cores of one host may differ in
 * their physical address size (an H3's A57s have 44 bits, its A53s 40):
 * ask only for what the guest uses.
 */
static int rcar_virt_kvm_type(MachineState *ms, const char *type_str)
{
    hwaddr top = rcar_virt_memmap[RCAR_VIRT_MEM].base + ms->ram_size - 1;
    int need = MAX(32, 64 - clz64(top));
    bool fixed_ipa;
    int max = kvm_arm_get_max_vm_ipa_size(ms, &fixed_ipa);

    if (need > max) {
        error_report("rcar-virt: -m %" PRIu64 " MiB needs a %d-bit guest "
                     "physical address space, and this host's KVM offers "
                     "%d bits; lower -m", ms->ram_size / MiB, need, max);
        return -1;
    }
    /* A host with the legacy fixed 40-bit IPA only takes type 0 */
    return fixed_ipa ? 0 : need;
}

static const CPUArchIdList *rcar_virt_possible_cpu_arch_ids(MachineState *ms)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(ms);
    unsigned int n = ms->smp.max_cpus;

    if (ms->possible_cpus) {
        assert(ms->possible_cpus->len == n);
        return ms->possible_cpus;
    }
    if (!rms->slots) {
        /* Asked before init (e.g. by -numa): plan now */
        rms->soc_info = rcar_virt_find_soc(rms->soc);
        rcar_virt_plan_cpus(rms);
    }
    if (!rms->gic_version) {
        rms->gic_version = rms->soc_info ? rms->soc_info->gic_version : 3;
    }

    ms->possible_cpus = g_malloc0(sizeof(CPUArchIdList) +
                                  sizeof(CPUArchId) * n);
    ms->possible_cpus->len = n;
    for (unsigned int i = 0; i < n; i++) {
        CPUArchId *id = &ms->possible_cpus->cpus[i];

        id->type = rcar_virt_cpu_type(rms, i);
        id->vcpus_count = 1;
        id->arch_id = rcar_virt_cpu_mpidr(rms, i);
        id->props.has_socket_id = true;
        id->props.socket_id = 0;
        id->props.has_cluster_id = true;
        id->props.cluster_id = rms->slots[i].cluster;
        id->props.has_core_id = true;
        id->props.core_id = rms->slots[i].core;
        id->props.has_thread_id = true;
        id->props.thread_id = 0;
    }
    return ms->possible_cpus;
}

static CpuInstanceProperties
rcar_virt_cpu_index_to_props(MachineState *ms, unsigned cpu_index)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const CPUArchIdList *possible = mc->possible_cpu_arch_ids(ms);

    assert(cpu_index < possible->len);
    return possible->cpus[cpu_index].props;
}

/* Without -numa cpu=, a cluster's CPUs stay in one node */
static int64_t rcar_virt_get_default_cpu_node_id(const MachineState *ms,
                                                 int idx)
{
    return ms->possible_cpus->cpus[idx].props.cluster_id %
           ms->numa_state->num_nodes;
}

static int rcar_virt_get_soc(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->soc;
}

/*
 * A preset fixes the CPU count: make it the default, so that a plain
 * "-M rcar-virt,soc=h3" has 8 CPUs.  An explicit -smp still wins and is
 * checked against the preset in rcar_virt_plan_cpus().  This runs while
 * options are applied, before the accelerator sizes itself for max_cpus.
 */
static void rcar_virt_set_soc(Object *obj, int value, Error **errp)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(obj);
    MachineState *ms = MACHINE(obj);
    MachineClass *mc = MACHINE_GET_CLASS(obj);
    const RcarVirtSocInfo *info = rcar_virt_find_soc(value);
    bool smp_is_default = ms->smp.cpus == mc->default_cpus &&
                          ms->smp.max_cpus == mc->default_cpus;

    if (phase_check(PHASE_MACHINE_INITIALIZED)) {
        error_setg(errp, "soc can only be set on the command line");
        return;
    }
    rms->soc = value;
    if (info && smp_is_default) {
        unsigned int n = rcar_virt_soc_cpus(info);

        ms->smp.cpus = n;
        ms->smp.max_cpus = n;
        ms->smp.sockets = 1;
        ms->smp.dies = 1;
        ms->smp.clusters = 1;
        ms->smp.cores = n;
        ms->smp.threads = 1;
    }
}

static bool rcar_virt_get_virtualization(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->virtualization;
}

static void rcar_virt_set_virtualization(Object *obj, bool value,
                                         Error **errp)
{
    RCAR_VIRT_MACHINE(obj)->virtualization = value;
}

static bool rcar_virt_get_pcie(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->pcie;
}

static void rcar_virt_set_pcie(Object *obj, bool value, Error **errp)
{
    RCAR_VIRT_MACHINE(obj)->pcie = value;
}

static bool rcar_virt_get_virtio_console(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->virtio_console;
}

static void rcar_virt_set_virtio_console(Object *obj, bool value,
                                         Error **errp)
{
    RCAR_VIRT_MACHINE(obj)->virtio_console = value;
}

static int rcar_virt_get_placement(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->placement;
}

static void rcar_virt_set_placement(Object *obj, int value, Error **errp)
{
    RCAR_VIRT_MACHINE(obj)->placement = value;
}

static int rcar_virt_get_id_regs(Object *obj, Error **errp)
{
    return RCAR_VIRT_MACHINE(obj)->id_regs;
}

static void rcar_virt_set_id_regs(Object *obj, int value, Error **errp)
{
    RCAR_VIRT_MACHINE(obj)->id_regs = value;
}

static char *rcar_virt_get_host_sysfs(Object *obj, Error **errp)
{
    return g_strdup(RCAR_VIRT_MACHINE(obj)->host_sysfs);
}

static void rcar_virt_set_host_sysfs(Object *obj, const char *value,
                                     Error **errp)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(obj);

    g_free(rms->host_sysfs);
    rms->host_sysfs = g_strdup(value);
}

static void rcar_virt_instance_init(Object *obj)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(obj);

    rms->soc = RCAR_VIRT_SOC_GENERIC;
    rms->virtualization = false;
    rms->virtio_console = false;
    rms->pcie = false;
    rms->placement = RCAR_VIRT_PLACEMENT_AUTO;
    rms->id_regs = RCAR_VIRT_ID_REGS_AUTO;
    rms->kvm_target = -1;
    rms->host_sysfs = g_strdup("/sys");
}

static void rcar_virt_instance_finalize(Object *obj)
{
    RcarVirtMachineState *rms = RCAR_VIRT_MACHINE(obj);

    g_free(rms->host_sysfs);
    rcar_placement_free(rms->placement_plan);
    g_free(rms->usable_cpus);
}

/*
 * Modern (virtio 1.0) transports, which virtio-gpu requires.  A compat
 * property, so that -global virtio-mmio.force-legacy=true still works.
 */
static GlobalProperty rcar_virt_compat[] = {
    { "virtio-mmio", "force-legacy", "false" },
};

static void rcar_virt_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);
    static const char * const valid_cpu_types[] = {
        ARM_CPU_TYPE_NAME("cortex-a35"),
        ARM_CPU_TYPE_NAME("cortex-a53"),
        ARM_CPU_TYPE_NAME("cortex-a53-r0p4"),
        ARM_CPU_TYPE_NAME("cortex-a55"),
        ARM_CPU_TYPE_NAME("cortex-a57"),
        ARM_CPU_TYPE_NAME("cortex-a57-r1p3"),
        ARM_CPU_TYPE_NAME("cortex-a72"),
        ARM_CPU_TYPE_NAME("cortex-a76"),
        ARM_CPU_TYPE_NAME("cortex-a710"),
        ARM_CPU_TYPE_NAME("neoverse-n1"),
        ARM_CPU_TYPE_NAME("neoverse-n2"),
        ARM_CPU_TYPE_NAME("neoverse-v1"),
        ARM_CPU_TYPE_NAME("max"),
#ifdef CONFIG_KVM
        ARM_CPU_TYPE_NAME("host"),
#endif
        NULL
    };

    mc->desc = "R-Car virtual platform (virtio-mmio, R-Car CPU topologies)";
    mc->init = rcar_virt_init;
    mc->max_cpus = RCAR_VIRT_GICV3_MAX_CPUS;
    mc->valid_cpu_types = valid_cpu_types;
    /*
     * No default_cpu_type: the machine needs to know whether -cpu was
     * given, to check it against a preset.  It uses cortex-a57 if not.
     */
    /*
     * Every CPU we offer has 4K pages at the least, so TCG can use 4K
     * target pages instead of Arm's 1K minimum: a quarter of the TLB
     * misses.  (virt and sbsa-ref do the same.)
     */
    mc->minimum_page_bits = 12;
    mc->default_ram_size = 1 * GiB;
    mc->default_ram_id = "rcar-virt.ram";
    mc->block_default_type = IF_VIRTIO;
    mc->no_cdrom = 1;
    mc->no_floppy = 1;
    mc->no_parallel = 1;
    mc->prefers_virtio_mmio = true;
    mc->smp_props.clusters_supported = true;
    mc->possible_cpu_arch_ids = rcar_virt_possible_cpu_arch_ids;
    mc->kvm_type = rcar_virt_kvm_type;
    mc->cpu_index_to_instance_props = rcar_virt_cpu_index_to_props;
    mc->get_default_cpu_node_id = rcar_virt_get_default_cpu_node_id;
    compat_props_add(mc->compat_props, rcar_virt_compat,
                     G_N_ELEMENTS(rcar_virt_compat));

    object_class_property_add_enum(oc, "soc", "RcarVirtSoc",
                                   &RcarVirtSoc_lookup,
                                   rcar_virt_get_soc, rcar_virt_set_soc);
    object_class_property_set_description(oc, "soc",
        "R-Car SoC whose CPU clusters and identities to model: "
        "generic (the -cpu/-smp you give, default), h3, m3w, m3n, e3, "
        "v3h, v4h or s4");
    object_class_property_add_bool(oc, "virtualization",
                                   rcar_virt_get_virtualization,
                                   rcar_virt_set_virtualization);
    object_class_property_set_description(oc, "virtualization",
        "Emulate EL2 (TCG only), so the guest kernel can run KVM "
        "(default: off)");
    object_class_property_add_bool(oc, "pcie", rcar_virt_get_pcie,
                                   rcar_virt_set_pcie);
    object_class_property_set_description(oc, "pcie",
        "Add a PCIe host bridge with MSIs, for passthrough and USB "
        "controllers (default: off)");
    object_class_property_add_enum(oc, "placement", "RcarVirtPlacement",
                                   &RcarVirtPlacement_lookup,
                                   rcar_virt_get_placement,
                                   rcar_virt_set_placement);
    object_class_property_set_description(oc, "placement",
        "Pin each vCPU thread to host CPUs of its core: auto (where "
        "the host mixes cores or the vCPU names one), strict (also fail "
        "if a vCPU has no matching host CPU) or off");
    object_class_property_add_enum(oc, "id-regs", "RcarVirtIdRegs",
                                   &RcarVirtIdRegs_lookup,
                                   rcar_virt_get_id_regs,
                                   rcar_virt_set_id_regs);
    object_class_property_set_description(oc, "id-regs",
        "ID registers the vCPUs show under KVM: auto (model where the "
        "kernel allows), model (lowered to the vCPU models), common (also "
        "one MIDR_EL1 on any host core) or host");
    object_class_property_add_str(oc, "x-host-sysfs",
                                  rcar_virt_get_host_sysfs,
                                  rcar_virt_set_host_sysfs);
    object_class_property_set_description(oc, "x-host-sysfs",
        "Where placement reads the host CPU topology (default /sys); "
        "for tests with fixture trees");
    object_class_property_add_bool(oc, "virtio-console",
                                   rcar_virt_get_virtio_console,
                                   rcar_virt_set_virtio_console);
    object_class_property_set_description(oc, "virtio-console",
        "Add a virtio console (hvc0) on the first serial chardev, "
        "which must be multiplexed (default: off)");
}

static const TypeInfo rcar_virt_types[] = {
    {
        .name = TYPE_RCAR_VIRT_MACHINE,
        .parent = TYPE_MACHINE,
        .instance_size = sizeof(RcarVirtMachineState),
        .instance_init = rcar_virt_instance_init,
        .instance_finalize = rcar_virt_instance_finalize,
        .class_init = rcar_virt_class_init,
    },
};

DEFINE_TYPES(rcar_virt_types)
