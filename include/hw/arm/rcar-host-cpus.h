/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-host-cpus: the host's Arm CPU topology and vCPU thread placement
 *
 * The rcar-virt machine (hw/arm/rcar-virt.c) pins each vCPU thread to the
 * host CPUs whose core matches the vCPU's model, so that KVM accepts a
 * Cortex-A57 vCPU on a big.LITTLE host and a big.LITTLE guest can run at
 * all.  This file reads the topology from Linux sysfs and computes the
 * placement; it has no QOM state, so tests/unit/test-rcar-host-cpus.c can
 * drive it with fixture trees.
 */

#ifndef HW_ARM_RCAR_HOST_CPUS_H
#define HW_ARM_RCAR_HOST_CPUS_H

/* Linux arm64 allows NR_CPUS up to 4096; larger numbers are refused */
#define RCAR_HOST_MAX_CPUS 4096

/* One online host CPU */
typedef struct RcarHostCpu {
    unsigned int id;
    uint32_t midr;              /* midr_el1[31:0]; 0: the host shows none */
    unsigned int cluster;       /* lowest CPU number of its cluster */
} RcarHostCpu;

typedef struct RcarHostCpus {
    unsigned int ncpus;
    RcarHostCpu *cpus;          /* the online CPUs, in ascending order */
    const char *cluster_source; /* the sysfs file clusters came from */
} RcarHostCpus;

/* What one vCPU needs from the host */
typedef struct RcarVcpuNeed {
    const char *model;          /* the -cpu model name, for messages */
    uint32_t midr;              /* the model's MIDR; implementer 0: none */
    bool host;                  /* a KVM "host" vCPU: see the plan */
} RcarVcpuNeed;

typedef struct RcarPlacementRequest {
    const RcarHostCpus *topo;
    const unsigned long *usable;    /* CPUs this process may run on */
    unsigned int nvcpus;
    const RcarVcpuNeed *vcpus;
    int probe_cpu;              /* where "host" was probed; -1: unknown */
    bool strict;                /* every vCPU must find its core */
    bool kvm;                   /* a named core cannot run elsewhere */
} RcarPlacementRequest;

typedef struct RcarPlacement {
    unsigned int nvcpus;
    unsigned long **sets;       /* per vCPU; NULL: leave it unpinned */
    char *notice;               /* one line for the user, or NULL */
} RcarPlacement;

/**
 * rcar_host_cpus_read:
 * @root: the sysfs mount point, normally "/sys"
 * @errp: error object
 *
 * Read the online CPUs, each one's midr_el1, and its cluster, from
 * topology/cluster_cpus_list, else topology/package_cpus_list (kernels
 * before 5.16 put a DT cluster there), else by grouping equal MIDRs.
 *
 * Returns: the topology, or NULL with @errp set when a file is missing or
 * malformed.  A host without identification registers (not arm64) reads
 * fine, with every midr 0.
 */
RcarHostCpus *rcar_host_cpus_read(const char *root, Error **errp);
void rcar_host_cpus_free(RcarHostCpus *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RcarHostCpus, rcar_host_cpus_free)

/**
 * rcar_cpulist_parse:
 * @str: a Linux CPU list such as "0-3,6" (a trailing newline is allowed)
 * @set: bitmap of RCAR_HOST_MAX_CPUS bits, filled in
 * @errp: error object
 *
 * Returns: true on success, false with @errp set on a malformed list or a
 * CPU number of RCAR_HOST_MAX_CPUS or more.
 */
bool rcar_cpulist_parse(const char *str, unsigned long *set, Error **errp);

/* "0-3,6" for a bitmap of RCAR_HOST_MAX_CPUS bits; "" when empty */
char *rcar_cpulist_format(const unsigned long *set);

/* "Cortex-A57 r1p3", or "implementer 0x.. part 0x... r1p3" */
char *rcar_midr_describe(uint32_t midr);

/**
 * rcar_placement_plan:
 * @req: the host topology, the usable CPUs and what each vCPU needs
 * @errp: error object
 *
 * A vCPU whose model names a core (an Arm implementer and part number)
 * gets the usable host CPUs with the same implementer and part, when the
 * usable CPUs are of more than one kind or none is of its kind.  A "host"
 * vCPU on a host of several kinds gets the CPUs of @probe_cpu's kind in
 * @probe_cpu's cluster: the identity KVM probed.  On a host of one kind
 * where the vCPU's core runs, nothing is pinned.  A vCPU with no matching
 * host CPU is an error when @strict, or when @kvm and the model names a
 * core; otherwise it stays unpinned and the notice says so.
 *
 * Returns: the placement (free with rcar_placement_free()), or NULL with
 * @errp set, naming the vCPU, its model and the usable host cores.
 */
RcarPlacement *rcar_placement_plan(const RcarPlacementRequest *req,
                                   Error **errp);
void rcar_placement_free(RcarPlacement *plan);

/* Do the vCPUs of @plan run on different host CPUs (mixed clusters)? */
bool rcar_placement_is_mixed(const RcarPlacement *plan);

/*
 * Are the CPUs of @topo in @usable (RCAR_HOST_MAX_CPUS bits) of more than
 * one kind (implementer and part of MIDR_EL1)?  CPUs without a MIDR do
 * not count.
 */
bool rcar_host_cpus_mixed(const RcarHostCpus *topo,
                          const unsigned long *usable);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RcarPlacement, rcar_placement_free)

#endif /* HW_ARM_RCAR_HOST_CPUS_H */
