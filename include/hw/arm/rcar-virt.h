/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-virt: a virtio-mmio machine with Renesas R-Car CPU topologies
 *
 * Types shared by the machine (hw/arm/rcar-virt.c) and its device tree
 * (hw/arm/rcar-virt-dt.c).  The guest ABI is documented in
 * docs/system/arm/rcar-virt.rst.
 */

#ifndef HW_ARM_RCAR_VIRT_H
#define HW_ARM_RCAR_VIRT_H

#include "exec/hwaddr.h"
#include "hw/boards.h"
#include "hw/arm/boot.h"
#include "qapi/qapi-types-machine.h"

#define TYPE_RCAR_VIRT_MACHINE MACHINE_TYPE_NAME("rcar-virt")
OBJECT_DECLARE_SIMPLE_TYPE(RcarVirtMachineState, RCAR_VIRT_MACHINE)

/* Regions of the guest physical address map */
typedef enum RcarVirtRegion {
    RCAR_VIRT_BOOTROM,
    RCAR_VIRT_GIC_DIST,
    RCAR_VIRT_GIC_CPU,
    RCAR_VIRT_GIC_HYP,
    RCAR_VIRT_GIC_VCPU,
    RCAR_VIRT_GIC_REDIST,
    RCAR_VIRT_GIC_V2M,
    RCAR_VIRT_GIC_ITS,
    RCAR_VIRT_UART,
    RCAR_VIRT_RTC,
    RCAR_VIRT_MMIO,
    RCAR_VIRT_PCIE_MMIO,
    RCAR_VIRT_PCIE_PIO,
    RCAR_VIRT_PCIE_ECAM,
    RCAR_VIRT_MEM,
    RCAR_VIRT_REGION_COUNT,
} RcarVirtRegion;

/* Shared peripheral interrupts (SPI numbers, not INTIDs) */
enum {
    RCAR_VIRT_SPI_UART = 1,
    RCAR_VIRT_SPI_RTC = 2,
    RCAR_VIRT_SPI_PCIE = 3,         /* 4 lines: INTA..INTD */
    RCAR_VIRT_SPI_MMIO = 16,        /* one per transport */
    RCAR_VIRT_SPI_PMU = 64,         /* one per CPU, big.LITTLE only */
    RCAR_VIRT_SPI_V2M = 128,        /* MSIs through the GICv2m frame */
    RCAR_VIRT_NUM_V2M_SPIS = 64,
    RCAR_VIRT_NUM_SPIS = 256,
};

#define RCAR_VIRT_NUM_MMIO_TRANSPORTS 32
#define RCAR_VIRT_MMIO_TRANSPORT_SIZE 0x200
#define RCAR_VIRT_MAX_CLUSTERS 4
#define RCAR_VIRT_GICV2_MAX_CPUS 8
#define RCAR_VIRT_GICV3_MAX_CPUS 123    /* redistributor frames in the map */

/* One cluster of a SoC preset: identical cores sharing an L2 */
typedef struct RcarVirtCluster {
    const char *cpu_model;          /* e.g. "cortex-a57-r1p3" */
    unsigned int cores;
    uint32_t capacity_dmips_mhz;    /* 0: no capacity in the device tree */
} RcarVirtCluster;

/* A SoC preset; see docs/system/arm/rcar-virt.rst for the sources */
typedef struct RcarVirtSocInfo {
    RcarVirtSoc soc;
    const char *name;               /* marketing name, for messages */
    int gic_version;                /* 2 (GIC-400) or 3 */
    /* MPIDR affinity level that numbers cores and the one for clusters */
    unsigned int core_aff_shift;
    unsigned int cluster_aff_shift;
    RcarVirtCluster clusters[RCAR_VIRT_MAX_CLUSTERS];
} RcarVirtSocInfo;

/* Where one CPU sits, as the machine built it */
typedef struct RcarVirtCpuSlot {
    unsigned int cluster;
    unsigned int core;              /* index within its cluster */
    const RcarVirtCluster *info;    /* NULL in generic mode */
} RcarVirtCpuSlot;

struct RcarVirtMachineState {
    MachineState parent_obj;

    /* properties */
    RcarVirtSoc soc;
    bool virtualization;
    bool virtio_console;
    bool pcie;
    RcarVirtPlacement placement;
    RcarVirtIdRegs id_regs;
    char *host_sysfs;               /* x-host-sysfs: "/sys" or a fixture */

    /* built by init */
    const RcarVirtSocInfo *soc_info;    /* NULL in generic mode */
    RcarVirtCpuSlot *slots;
    unsigned int num_clusters;
    int gic_version;
    bool pmu_per_cpu_spi;
    const MemMapEntry *memmap;
    DeviceState *gic;
    DeviceState *mmio[RCAR_VIRT_NUM_MMIO_TRANSPORTS];
    uint32_t gic_phandle;
    uint32_t msi_phandle;           /* 0: no MSI controller */
    bool msi_is_its;
    uint32_t *cpu_phandles;
    uint32_t clock_phandle;
    struct RcarPlacement *placement_plan;   /* NULL: placement=off */
    /* The machine's shape in the migration stream (vmstate_rcar_virt) */
    uint32_t shape_soc;
    uint32_t shape_cpus;
    bool shape_virtualization;
    bool shape_pcie;
    unsigned long *usable_cpus;     /* this process's affinity at start */
    int kvm_target;                 /* placement=off: every vCPU's; -1 */
    struct arm_boot_info bootinfo;
    Notifier machine_done;
};

/* rcar-virt-dt.c */
void rcar_virt_fdt_create(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_cpus(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_gic(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_timer(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_pmu(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_uart(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_rtc(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_virtio_mmio(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_msi(RcarVirtMachineState *rms);
void rcar_virt_fdt_add_pcie(RcarVirtMachineState *rms);

#endif /* HW_ARM_RCAR_VIRT_H */
