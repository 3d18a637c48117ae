/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-virt: the device tree the machine hands to the guest
 *
 * Called from rcar_virt_init() in hw/arm/rcar-virt.c once the devices
 * exist.  libfdt adds each node at the head of its parent, so loops that
 * must leave nodes in ascending order walk their objects downwards.
 *
 * Copyright (c) 2026 The qemu-rcar authors
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/guest-random.h"
#include "hw/arm/rcar-virt.h"
#include "hw/arm/bsa.h"
#include "hw/arm/fdt.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie_host.h"
#include "system/device_tree.h"
#include "target/arm/cpu.h"
#include "target/arm/cpu-features.h"
#include <libfdt.h>

#define RCAR_VIRT_FDT_IRQ_LEVEL GIC_FDT_IRQ_FLAGS_LEVEL_HI

/*
 * Entropy for the guest kernel: KASLR and an early-seeded RNG.  Without
 * rng-seed a Linux guest spends its first boot stages gathering entropy.
 * From the guest RNG, so -seed makes it reproducible.
 */
static void rcar_virt_fdt_add_seeds(void *fdt)
{
    uint8_t rng_seed[32];
    uint64_t kaslr_seed;

    qemu_guest_getrandom_nofail(rng_seed, sizeof(rng_seed));
    qemu_fdt_setprop(fdt, "/chosen", "rng-seed", rng_seed, sizeof(rng_seed));
    qemu_guest_getrandom_nofail(&kaslr_seed, sizeof(kaslr_seed));
    qemu_fdt_setprop_u64(fdt, "/chosen", "kaslr-seed", kaslr_seed);
}

void rcar_virt_fdt_create(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    int size;
    void *fdt = create_device_tree(&size);

    if (!fdt) {
        error_report("rcar-virt: cannot create the device tree");
        exit(1);
    }
    ms->fdt = fdt;

    qemu_fdt_setprop_string(fdt, "/", "compatible", "qemu,rcar-virt");
    qemu_fdt_setprop_string(fdt, "/", "model", "QEMU R-Car virtual platform");
    qemu_fdt_setprop_cell(fdt, "/", "#address-cells", 2);
    qemu_fdt_setprop_cell(fdt, "/", "#size-cells", 2);
    /* All devices here are cache-coherent (they are QEMU's) */
    qemu_fdt_setprop(fdt, "/", "dma-coherent", NULL, 0);
    qemu_fdt_add_subnode(fdt, "/chosen");
    qemu_fdt_add_subnode(fdt, "/aliases");
    rcar_virt_fdt_add_seeds(fdt);

    rms->clock_phandle = qemu_fdt_alloc_phandle(fdt);
    qemu_fdt_add_subnode(fdt, "/apb-pclk");
    qemu_fdt_setprop_string(fdt, "/apb-pclk", "compatible", "fixed-clock");
    qemu_fdt_setprop_cell(fdt, "/apb-pclk", "#clock-cells", 0);
    qemu_fdt_setprop_cell(fdt, "/apb-pclk", "clock-frequency", 24000000);
    qemu_fdt_setprop_string(fdt, "/apb-pclk", "clock-output-names",
                            "clk24mhz");
    qemu_fdt_setprop_cell(fdt, "/apb-pclk", "phandle", rms->clock_phandle);
}

/*
 * CPU nodes in MPIDR order with a cpu-map of the real clusters, and
 * capacity-dmips-mhz where the SoC's own device tree has it, so the
 * guest's scheduler sees big and LITTLE as on the board.
 */
void rcar_virt_fdt_add_cpus(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    void *fdt = ms->fdt;
    int ncpus = ms->smp.cpus;
    int addr_cells = 1;

    for (int i = 0; i < ncpus; i++) {
        if (arm_cpu_mp_affinity(ARM_CPU(qemu_get_cpu(i))) & ARM_AFF3_MASK) {
            addr_cells = 2;
        }
    }

    qemu_fdt_add_subnode(fdt, "/cpus");
    qemu_fdt_setprop_cell(fdt, "/cpus", "#address-cells", addr_cells);
    qemu_fdt_setprop_cell(fdt, "/cpus", "#size-cells", 0);

    rms->cpu_phandles = g_new0(uint32_t, ms->smp.cpus);

    for (int i = ncpus - 1; i >= 0; i--) {
        ARMCPU *cpu = ARM_CPU(qemu_get_cpu(i));
        uint64_t mpidr = arm_cpu_mp_affinity(cpu);
        const RcarVirtCpuSlot *slot = &rms->slots[i];
        g_autofree char *node = g_strdup_printf("/cpus/cpu@%" PRIx64, mpidr);

        qemu_fdt_add_subnode(fdt, node);
        qemu_fdt_setprop_string(fdt, node, "device_type", "cpu");
        qemu_fdt_setprop_string(fdt, node, "compatible", cpu->dtb_compatible);
        if (ncpus > 1) {
            qemu_fdt_setprop_string(fdt, node, "enable-method", "psci");
        }
        if (addr_cells == 2) {
            qemu_fdt_setprop_u64(fdt, node, "reg", mpidr);
        } else {
            qemu_fdt_setprop_cell(fdt, node, "reg", mpidr);
        }
        if (slot->info && slot->info->capacity_dmips_mhz) {
            qemu_fdt_setprop_cell(fdt, node, "capacity-dmips-mhz",
                                  slot->info->capacity_dmips_mhz);
        }
        if (ms->possible_cpus->cpus[i].props.has_node_id) {
            qemu_fdt_setprop_cell(fdt, node, "numa-node-id",
                                  ms->possible_cpus->cpus[i].props.node_id);
        }
        rms->cpu_phandles[i] = qemu_fdt_alloc_phandle(fdt);
        qemu_fdt_setprop_cell(fdt, node, "phandle", rms->cpu_phandles[i]);
    }

    qemu_fdt_add_subnode(fdt, "/cpus/cpu-map");
    for (int i = ncpus - 1; i >= 0; i--) {
        g_autofree char *path = g_strdup_printf(
            "/cpus/cpu-map/socket0/cluster%u/core%u",
            rms->slots[i].cluster, rms->slots[i].core);

        qemu_fdt_add_path(fdt, path);
        qemu_fdt_setprop_cell(fdt, path, "cpu", rms->cpu_phandles[i]);
    }
}

void rcar_virt_fdt_add_gic(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    const MemMapEntry *map = rms->memmap;
    void *fdt = ms->fdt;
    g_autofree char *node = g_strdup_printf("/intc@%" PRIx64,
                                            map[RCAR_VIRT_GIC_DIST].base);

    rms->gic_phandle = qemu_fdt_alloc_phandle(fdt);
    qemu_fdt_setprop_cell(fdt, "/", "interrupt-parent", rms->gic_phandle);

    qemu_fdt_add_subnode(fdt, node);
    qemu_fdt_setprop_cell(fdt, node, "#interrupt-cells", 3);
    qemu_fdt_setprop(fdt, node, "interrupt-controller", NULL, 0);
    qemu_fdt_setprop_cell(fdt, node, "#address-cells", 2);
    qemu_fdt_setprop_cell(fdt, node, "#size-cells", 2);
    qemu_fdt_setprop(fdt, node, "ranges", NULL, 0);

    if (rms->gic_version == 2) {
        /* The GIC-400 of R-Car Gen3 */
        const char compat[] = "arm,gic-400\0arm,cortex-a15-gic";

        qemu_fdt_setprop(fdt, node, "compatible", compat, sizeof(compat));
        if (rms->virtualization) {
            qemu_fdt_setprop_sized_cells(fdt, node, "reg",
                2, map[RCAR_VIRT_GIC_DIST].base,
                2, map[RCAR_VIRT_GIC_DIST].size,
                2, map[RCAR_VIRT_GIC_CPU].base,
                2, map[RCAR_VIRT_GIC_CPU].size,
                2, map[RCAR_VIRT_GIC_HYP].base,
                2, map[RCAR_VIRT_GIC_HYP].size,
                2, map[RCAR_VIRT_GIC_VCPU].base,
                2, map[RCAR_VIRT_GIC_VCPU].size);
        } else {
            qemu_fdt_setprop_sized_cells(fdt, node, "reg",
                2, map[RCAR_VIRT_GIC_DIST].base,
                2, map[RCAR_VIRT_GIC_DIST].size,
                2, map[RCAR_VIRT_GIC_CPU].base,
                2, map[RCAR_VIRT_GIC_CPU].size);
        }
    } else {
        qemu_fdt_setprop_string(fdt, node, "compatible", "arm,gic-v3");
        qemu_fdt_setprop_cell(fdt, node, "#redistributor-regions", 1);
        qemu_fdt_setprop_sized_cells(fdt, node, "reg",
            2, map[RCAR_VIRT_GIC_DIST].base,
            2, map[RCAR_VIRT_GIC_DIST].size,
            2, map[RCAR_VIRT_GIC_REDIST].base,
            2, map[RCAR_VIRT_GIC_REDIST].size);
    }
    if (rms->virtualization) {
        qemu_fdt_setprop_cells(fdt, node, "interrupts",
                               GIC_FDT_IRQ_TYPE_PPI,
                               INTID_TO_PPI(ARCH_GIC_MAINT_IRQ),
                               RCAR_VIRT_FDT_IRQ_LEVEL);
    }
    qemu_fdt_setprop_cell(fdt, node, "phandle", rms->gic_phandle);
}

/* GICv2 PPI specifiers carry a mask of the CPUs they go to */
static uint32_t rcar_virt_ppi_flags(RcarVirtMachineState *rms)
{
    uint32_t flags = RCAR_VIRT_FDT_IRQ_LEVEL;

    if (rms->gic_version == 2) {
        flags = deposit32(flags, GIC_FDT_IRQ_PPI_CPU_START,
                          GIC_FDT_IRQ_PPI_CPU_WIDTH,
                          (1 << MACHINE(rms)->smp.cpus) - 1);
    }
    return flags;
}

/*
 * The EL2 virtual timer exists when the guest has EL2 and VHE (the
 * Cortex-A55 and A76 of Gen4 do, the Gen3 cores do not); a guest
 * hypervisor needs to be told of it.
 */
static bool rcar_virt_has_el2_virt_timer(void)
{
    ARMCPU *cpu = ARM_CPU(first_cpu);

    return arm_feature(&cpu->env, ARM_FEATURE_EL2) &&
           cpu_isar_feature(aa64_vh, cpu);
}

void rcar_virt_fdt_add_timer(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    const char compat[] = "arm,armv8-timer";
    uint32_t flags = rcar_virt_ppi_flags(rms);
    uint32_t irqs[] = {
        GIC_FDT_IRQ_TYPE_PPI, INTID_TO_PPI(ARCH_TIMER_S_EL1_IRQ), flags,
        GIC_FDT_IRQ_TYPE_PPI, INTID_TO_PPI(ARCH_TIMER_NS_EL1_IRQ), flags,
        GIC_FDT_IRQ_TYPE_PPI, INTID_TO_PPI(ARCH_TIMER_VIRT_IRQ), flags,
        GIC_FDT_IRQ_TYPE_PPI, INTID_TO_PPI(ARCH_TIMER_NS_EL2_IRQ), flags,
        GIC_FDT_IRQ_TYPE_PPI, INTID_TO_PPI(ARCH_TIMER_NS_EL2_VIRT_IRQ), flags,
    };
    int n = rcar_virt_has_el2_virt_timer() ? 15 : 12;

    for (int i = 0; i < n; i++) {
        irqs[i] = cpu_to_be32(irqs[i]);
    }
    qemu_fdt_add_subnode(fdt, "/timer");
    qemu_fdt_setprop(fdt, "/timer", "compatible", compat, sizeof(compat));
    qemu_fdt_setprop(fdt, "/timer", "always-on", NULL, 0);
    qemu_fdt_setprop(fdt, "/timer", "interrupts", irqs, n * sizeof(irqs[0]));
}

/*
 * One PMU node per core type.  With one type the PMU uses a PPI as on
 * virt; with two (H3, M3-W) each CPU has its own SPI and each node names
 * its CPUs in interrupt-affinity, as in the SoC's own device tree.
 */
void rcar_virt_fdt_add_pmu(RcarVirtMachineState *rms)
{
    MachineState *ms = MACHINE(rms);
    void *fdt = ms->fdt;
    int ncpus = ms->smp.cpus;
    g_autoptr(GHashTable) done = g_hash_table_new(g_str_hash, g_str_equal);

    if (!arm_feature(&ARM_CPU(first_cpu)->env, ARM_FEATURE_PMU)) {
        return;
    }

    if (!rms->pmu_per_cpu_spi) {
        const char compat[] = "arm,armv8-pmuv3";

        qemu_fdt_add_subnode(fdt, "/pmu");
        qemu_fdt_setprop(fdt, "/pmu", "compatible", compat, sizeof(compat));
        qemu_fdt_setprop_cells(fdt, "/pmu", "interrupts",
                               GIC_FDT_IRQ_TYPE_PPI,
                               INTID_TO_PPI(VIRTUAL_PMU_IRQ),
                               rcar_virt_ppi_flags(rms));
        return;
    }

    for (int i = ncpus - 1; i >= 0; i--) {
        const char *model = rms->slots[i].info->cpu_model;
        const char *core;
        g_autofree char *node = NULL;
        g_autofree char *compat = NULL;
        g_autofree uint32_t *irqs = NULL;
        g_autofree uint32_t *affinity = NULL;
        int n = 0;

        if (g_hash_table_contains(done, model)) {
            continue;
        }
        g_hash_table_add(done, (gpointer)model);

        irqs = g_new(uint32_t, 3 * ncpus);
        affinity = g_new(uint32_t, ncpus);
        for (int j = 0; j < ncpus; j++) {
            if (strcmp(rms->slots[j].info->cpu_model, model)) {
                continue;
            }
            irqs[3 * n] = cpu_to_be32(GIC_FDT_IRQ_TYPE_SPI);
            irqs[3 * n + 1] = cpu_to_be32(RCAR_VIRT_SPI_PMU + j);
            irqs[3 * n + 2] = cpu_to_be32(RCAR_VIRT_FDT_IRQ_LEVEL);
            affinity[n] = cpu_to_be32(rms->cpu_phandles[j]);
            n++;
        }
        /* Named after the core ("arm,cortex-a57"), not the model's rev */
        core = ARM_CPU(qemu_get_cpu(i))->dtb_compatible;
        core = strchr(core, ',') ? strchr(core, ',') + 1 : core;
        node = g_strdup_printf("/pmu-%s", core);
        compat = g_strdup_printf("arm,%s-pmu", core);
        qemu_fdt_add_subnode(fdt, node);
        qemu_fdt_setprop_string(fdt, node, "compatible", compat);
        qemu_fdt_setprop(fdt, node, "interrupts", irqs,
                         3 * n * sizeof(uint32_t));
        qemu_fdt_setprop(fdt, node, "interrupt-affinity", affinity,
                         n * sizeof(uint32_t));
    }
}

void rcar_virt_fdt_add_uart(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    const MemMapEntry *e = &rms->memmap[RCAR_VIRT_UART];
    g_autofree char *node = g_strdup_printf("/pl011@%" PRIx64, e->base);
    const char compat[] = "arm,pl011\0arm,primecell";
    const char clock_names[] = "uartclk\0apb_pclk";

    qemu_fdt_add_subnode(fdt, node);
    qemu_fdt_setprop(fdt, node, "compatible", compat, sizeof(compat));
    qemu_fdt_setprop_sized_cells(fdt, node, "reg", 2, e->base, 2, e->size);
    qemu_fdt_setprop_cells(fdt, node, "interrupts", GIC_FDT_IRQ_TYPE_SPI,
                           RCAR_VIRT_SPI_UART, RCAR_VIRT_FDT_IRQ_LEVEL);
    qemu_fdt_setprop_cells(fdt, node, "clocks", rms->clock_phandle,
                           rms->clock_phandle);
    qemu_fdt_setprop(fdt, node, "clock-names", clock_names,
                     sizeof(clock_names));
    qemu_fdt_setprop_string(fdt, "/chosen", "stdout-path", node);
    qemu_fdt_setprop_string(fdt, "/aliases", "serial0", node);
}

void rcar_virt_fdt_add_rtc(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    const MemMapEntry *e = &rms->memmap[RCAR_VIRT_RTC];
    g_autofree char *node = g_strdup_printf("/pl031@%" PRIx64, e->base);
    const char compat[] = "arm,pl031\0arm,primecell";

    qemu_fdt_add_subnode(fdt, node);
    qemu_fdt_setprop(fdt, node, "compatible", compat, sizeof(compat));
    qemu_fdt_setprop_sized_cells(fdt, node, "reg", 2, e->base, 2, e->size);
    qemu_fdt_setprop_cells(fdt, node, "interrupts", GIC_FDT_IRQ_TYPE_SPI,
                           RCAR_VIRT_SPI_RTC, RCAR_VIRT_FDT_IRQ_LEVEL);
    qemu_fdt_setprop_cell(fdt, node, "clocks", rms->clock_phandle);
    qemu_fdt_setprop_string(fdt, node, "clock-names", "apb_pclk");
}

/*
 * Added from the highest address down, so the finished tree lists them
 * lowest address first: Linux probes them in tree order, and the machine
 * fills the lowest free transport first (see rcar_virt_create_virtio_mmio).
 */
void rcar_virt_fdt_add_virtio_mmio(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    hwaddr base = rms->memmap[RCAR_VIRT_MMIO].base;

    for (int i = RCAR_VIRT_NUM_MMIO_TRANSPORTS - 1; i >= 0; i--) {
        hwaddr addr = base + i * RCAR_VIRT_MMIO_TRANSPORT_SIZE;
        g_autofree char *node = g_strdup_printf("/virtio_mmio@%" PRIx64,
                                                addr);

        qemu_fdt_add_subnode(fdt, node);
        qemu_fdt_setprop_string(fdt, node, "compatible", "virtio,mmio");
        qemu_fdt_setprop_sized_cells(fdt, node, "reg",
                                     2, addr, 2, RCAR_VIRT_MMIO_TRANSPORT_SIZE);
        qemu_fdt_setprop_cells(fdt, node, "interrupts", GIC_FDT_IRQ_TYPE_SPI,
                               RCAR_VIRT_SPI_MMIO + i,
                               GIC_FDT_IRQ_FLAGS_EDGE_LO_HI);
        qemu_fdt_setprop(fdt, node, "dma-coherent", NULL, 0);
    }
}

/* The MSI controller of pcie=on, inside the GIC node */
void rcar_virt_fdt_add_msi(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    const MemMapEntry *e;
    g_autofree char *node = NULL;

    if (!rms->msi_phandle) {
        return;
    }
    e = &rms->memmap[rms->msi_is_its ? RCAR_VIRT_GIC_ITS : RCAR_VIRT_GIC_V2M];
    node = g_strdup_printf("/intc@%" PRIx64 "/%s@%" PRIx64,
                           rms->memmap[RCAR_VIRT_GIC_DIST].base,
                           rms->msi_is_its ? "its" : "v2m", e->base);
    qemu_fdt_add_subnode(fdt, node);
    qemu_fdt_setprop_string(fdt, node, "compatible",
                            rms->msi_is_its ? "arm,gic-v3-its"
                                            : "arm,gic-v2m-frame");
    qemu_fdt_setprop(fdt, node, "msi-controller", NULL, 0);
    if (rms->msi_is_its) {
        qemu_fdt_setprop_cell(fdt, node, "#msi-cells", 1);
    }
    qemu_fdt_setprop_sized_cells(fdt, node, "reg", 2, e->base, 2, e->size);
    qemu_fdt_setprop_cell(fdt, node, "phandle", rms->msi_phandle);
}

/*
 * pcie=on: a pci-host-ecam-generic node.  Legacy INTx pins are swizzled
 * by slot as the GPEX host does, (pin + slot) % 4 onto four SPIs, which
 * the interrupt-map spells out for slots 0-3 (the mask keeps only the two
 * low slot bits).
 */
void rcar_virt_fdt_add_pcie(RcarVirtMachineState *rms)
{
    void *fdt = MACHINE(rms)->fdt;
    const MemMapEntry *ecam = &rms->memmap[RCAR_VIRT_PCIE_ECAM];
    const MemMapEntry *mmio = &rms->memmap[RCAR_VIRT_PCIE_MMIO];
    const MemMapEntry *pio = &rms->memmap[RCAR_VIRT_PCIE_PIO];
    g_autofree char *node = NULL;
    uint32_t map[4 * 4 * 10];
    int n = 0;

    if (!rms->pcie) {
        return;
    }
    node = g_strdup_printf("/pcie@%" PRIx64, ecam->base);
    qemu_fdt_add_subnode(fdt, node);
    qemu_fdt_setprop_string(fdt, node, "compatible", "pci-host-ecam-generic");
    qemu_fdt_setprop_string(fdt, node, "device_type", "pci");
    qemu_fdt_setprop_cell(fdt, node, "#address-cells", 3);
    qemu_fdt_setprop_cell(fdt, node, "#size-cells", 2);
    qemu_fdt_setprop_cell(fdt, node, "linux,pci-domain", 0);
    qemu_fdt_setprop_cells(fdt, node, "bus-range", 0,
                           ecam->size / PCIE_MMCFG_SIZE_MIN - 1);
    qemu_fdt_setprop(fdt, node, "dma-coherent", NULL, 0);
    qemu_fdt_setprop_sized_cells(fdt, node, "reg", 2, ecam->base,
                                 2, ecam->size);
    qemu_fdt_setprop_sized_cells(fdt, node, "ranges",
        1, FDT_PCI_RANGE_IOPORT, 2, 0, 2, pio->base, 2, pio->size,
        1, FDT_PCI_RANGE_MMIO, 2, mmio->base, 2, mmio->base, 2, mmio->size);
    if (rms->msi_phandle && rms->msi_is_its) {
        qemu_fdt_setprop_cells(fdt, node, "msi-map", 0, rms->msi_phandle,
                               0, 0x10000);
    } else if (rms->msi_phandle) {
        qemu_fdt_setprop_cell(fdt, node, "msi-parent", rms->msi_phandle);
    }

    qemu_fdt_setprop_cell(fdt, node, "#interrupt-cells", 1);
    for (int slot = 0; slot < 4; slot++) {
        for (int pin = 0; pin < PCI_NUM_PINS; pin++) {
            uint32_t entry[10] = {
                PCI_DEVFN(slot, 0) << 8, 0, 0, pin + 1,
                rms->gic_phandle, 0, 0, GIC_FDT_IRQ_TYPE_SPI,
                RCAR_VIRT_SPI_PCIE + (pin + slot) % PCI_NUM_PINS,
                RCAR_VIRT_FDT_IRQ_LEVEL,
            };

            for (int i = 0; i < 10; i++) {
                map[n++] = cpu_to_be32(entry[i]);
            }
        }
    }
    qemu_fdt_setprop(fdt, node, "interrupt-map", map, sizeof(map));
    qemu_fdt_setprop_cells(fdt, node, "interrupt-map-mask",
                           PCI_DEVFN(3, 0) << 8, 0, 0, 7);
}
