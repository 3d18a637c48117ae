/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvm-id-probe: what an arm64 KVM host tells userspace about CPU identity
 *
 * A measuring tool for the rcar-virt series, not part of it: it asks the
 * host's KVM, core by core, the questions our ID-register work depends on
 * on big.LITTLE hosts (R-Car H3: Cortex-A57 and Cortex-A53 clusters), and
 * prints the answers.  Findings: docs/KVM-BIG-LITTLE.md.  Built statically
 * for arm64 by scripts/build-kvm-id-probe.sh; run on the emulated H3 of
 * the KVM test bed by guest/kvm-bed's scenario kvm-id-probe.
 *
 * Usage: kvm-id-probe (no arguments; needs /dev/kvm)
 *
 * Output: only lines "KVMID key=value ...", in this order:
 *   uname=, api=                  the host kernel
 *   cap=NAME sys= vm=             KVM_CHECK_EXTENSION on /dev/kvm and on
 *                                 a VM
 *   host-log line=...             the host kernel's CPU feature messages
 *   cpu=N host-midr= ...          sysfs identification of each online CPU,
 *                                 and MIDR_EL1, CTR_EL0, ID_AA64MMFR0_EL1
 *                                 as this thread reads them there (EL0:
 *                                 the kernel emulates MIDR and the ID
 *                                 registers, CTR is the core's own unless
 *                                 the kernel traps it)
 *   cpu=N preferred-target=       KVM_ARM_PREFERRED_TARGET there
 *   cpu=N init=TARGET result=     KVM_ARM_VCPU_INIT of a new vCPU there
 *   cpu=N reg=S3_a_C0_Cb_c name= value=|errno=
 *                                 KVM_GET_ONE_REG on that CPU's vCPU
 *                                 (GENERIC_V8, else its preferred target)
 *   reinit ...                    VCPU_INIT again after moving the thread
 *                                 to a core of the other kind
 *   masks=ok|unsupported, mask reg= value=
 *                                 KVM_ARM_GET_REG_WRITABLE_MASKS
 *   write reg= ...                KVM_SET_ONE_REG on vCPU 0 of a fresh VM,
 *                                 read back on vCPU 0 and on vCPU 1 (made
 *                                 on a core of the other kind)
 *   done                          the end
 * Errors are errno names.  The thread is pinned (sched_setaffinity) to
 * the CPU a step is about before every VM and vCPU step, because arm64
 * KVM answers some of these from the core the caller runs on.  No vCPU is
 * ever run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

/*
 * The cross toolchain's UAPI headers are Linux 6.1's: what came later is
 * defined here, with the release that brought it.
 */
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230   /* Linux 6.7 */
#endif
#ifndef KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
#define KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239        /* Linux 6.15 */
#endif
#ifndef KVM_ARM_GET_REG_WRITABLE_MASKS
/* Linux 6.7, arch/arm64/include/uapi/asm/kvm.h and linux/kvm.h */
struct reg_mask_range {
    __u64 addr;             /* the mask array */
    __u32 range;            /* KVM_ARM_FEATURE_ID_RANGE */
    __u32 reserved[13];
};
#define KVM_ARM_GET_REG_WRITABLE_MASKS \
    _IOR(KVMIO, 0xb6, struct reg_mask_range)
#define KVM_ARM_FEATURE_ID_RANGE 0
#define KVM_ARM_FEATURE_ID_RANGE_SIZE (3 * 8 * 8)
#endif

#define MAX_CPUS 64
#define NO_TARGET (-1)

/* The feature ID space: op0 3, op1 0, 1 or 3, CRn 0, CRm 0-7, op2 0-7 */
#define ID_SPACE_SIZE (3 * 8 * 8)

static int kvm_fd;
static int ncpus;
static int cpus[MAX_CPUS];
static uint32_t host_midr[MAX_CPUS];
static int preferred[MAX_CPUS];

/* The encodings of the feature ID space that have a name */
static const struct {
    int op1, crm, op2;
    const char *name;
} id_names[] = {
    { 0, 0, 0, "MIDR_EL1" }, { 0, 0, 5, "MPIDR_EL1" },
    { 0, 0, 6, "REVIDR_EL1" },
    { 0, 1, 0, "ID_PFR0_EL1" }, { 0, 1, 1, "ID_PFR1_EL1" },
    { 0, 1, 2, "ID_DFR0_EL1" }, { 0, 1, 3, "ID_AFR0_EL1" },
    { 0, 1, 4, "ID_MMFR0_EL1" }, { 0, 1, 5, "ID_MMFR1_EL1" },
    { 0, 1, 6, "ID_MMFR2_EL1" }, { 0, 1, 7, "ID_MMFR3_EL1" },
    { 0, 2, 0, "ID_ISAR0_EL1" }, { 0, 2, 1, "ID_ISAR1_EL1" },
    { 0, 2, 2, "ID_ISAR2_EL1" }, { 0, 2, 3, "ID_ISAR3_EL1" },
    { 0, 2, 4, "ID_ISAR4_EL1" }, { 0, 2, 5, "ID_ISAR5_EL1" },
    { 0, 2, 6, "ID_MMFR4_EL1" }, { 0, 2, 7, "ID_ISAR6_EL1" },
    { 0, 3, 0, "MVFR0_EL1" }, { 0, 3, 1, "MVFR1_EL1" },
    { 0, 3, 2, "MVFR2_EL1" }, { 0, 3, 4, "ID_PFR2_EL1" },
    { 0, 3, 5, "ID_DFR1_EL1" }, { 0, 3, 6, "ID_MMFR5_EL1" },
    { 0, 4, 0, "ID_AA64PFR0_EL1" }, { 0, 4, 1, "ID_AA64PFR1_EL1" },
    { 0, 4, 2, "ID_AA64PFR2_EL1" }, { 0, 4, 4, "ID_AA64ZFR0_EL1" },
    { 0, 4, 5, "ID_AA64SMFR0_EL1" }, { 0, 4, 7, "ID_AA64FPFR0_EL1" },
    { 0, 5, 0, "ID_AA64DFR0_EL1" }, { 0, 5, 1, "ID_AA64DFR1_EL1" },
    { 0, 5, 4, "ID_AA64AFR0_EL1" }, { 0, 5, 5, "ID_AA64AFR1_EL1" },
    { 0, 6, 0, "ID_AA64ISAR0_EL1" }, { 0, 6, 1, "ID_AA64ISAR1_EL1" },
    { 0, 6, 2, "ID_AA64ISAR2_EL1" }, { 0, 6, 3, "ID_AA64ISAR3_EL1" },
    { 0, 7, 0, "ID_AA64MMFR0_EL1" }, { 0, 7, 1, "ID_AA64MMFR1_EL1" },
    { 0, 7, 2, "ID_AA64MMFR2_EL1" }, { 0, 7, 3, "ID_AA64MMFR3_EL1" },
    { 0, 7, 4, "ID_AA64MMFR4_EL1" },
    { 1, 0, 0, "CCSIDR_EL1" }, { 1, 0, 1, "CLIDR_EL1" },
    { 1, 0, 2, "CCSIDR2_EL1" }, { 1, 0, 4, "GMID_EL1" },
    { 1, 0, 7, "AIDR_EL1" },
    { 3, 0, 1, "CTR_EL0" }, { 3, 0, 7, "DCZID_EL0" },
};

/* Read on every CPU's vCPU besides the 64 encodings with op1 0 */
static const struct {
    int op1, crm, op2;
} extra_regs[] = {
    { 1, 0, 7 },    /* AIDR_EL1 */
    { 3, 0, 1 },    /* CTR_EL0 */
    { 1, 0, 1 },    /* CLIDR_EL1 */
    { 3, 0, 7 },    /* DCZID_EL0 */
};

static const char *const target_names[] = {
    [KVM_ARM_TARGET_AEM_V8] = "AEM_V8",
    [KVM_ARM_TARGET_FOUNDATION_V8] = "FOUNDATION_V8",
    [KVM_ARM_TARGET_CORTEX_A57] = "CORTEX_A57",
    [KVM_ARM_TARGET_XGENE_POTENZA] = "XGENE_POTENZA",
    [KVM_ARM_TARGET_CORTEX_A53] = "CORTEX_A53",
    [KVM_ARM_TARGET_GENERIC_V8] = "GENERIC_V8",
};

static const char *target_name(int target)
{
    static char buf[16];

    if (target >= 0 && target < (int)(sizeof(target_names) /
                                      sizeof(target_names[0])) &&
        target_names[target]) {
        return target_names[target];
    }
    snprintf(buf, sizeof(buf), "%d", target);
    return buf;
}

static const char *errname(int err)
{
    static char buf[16];
    const char *name = strerrorname_np(err);

    if (name) {
        return name;
    }
    snprintf(buf, sizeof(buf), "%d", err);
    return buf;
}

static void fail(const char *what, int err)
{
    printf("KVMID error=%s errno=%s\n", what, errname(err));
    exit(1);
}

static uint64_t sysreg_id(int op1, int crm, int op2)
{
    return ARM64_SYS_REG(3, op1, 0, crm, op2);
}

static const char *id_name(int op1, int crm, int op2)
{
    size_t i;

    for (i = 0; i < sizeof(id_names) / sizeof(id_names[0]); i++) {
        if (id_names[i].op1 == op1 && id_names[i].crm == crm &&
            id_names[i].op2 == op2) {
            return id_names[i].name;
        }
    }
    return "-";
}

/* The index of a register in the mask array (KVM_ARM_FEATURE_ID_RANGE) */
static int id_index(int op1, int crm, int op2)
{
    return (op1 == 3 ? 2 : op1) << 6 | crm << 3 | op2;
}

static void pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        fail("sched_setaffinity", errno);
    }
}

static int create_vm(void)
{
    int fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);

    if (fd < 0) {
        fail("KVM_CREATE_VM", errno);
    }
    return fd;
}

static int create_vcpu(int vm, int id)
{
    int fd = ioctl(vm, KVM_CREATE_VCPU, id);

    if (fd < 0) {
        fail("KVM_CREATE_VCPU", errno);
    }
    return fd;
}

/* vcpu_init: 0 or the errno of KVM_ARM_VCPU_INIT with TARGET */
static int vcpu_init(int vcpu, int target)
{
    struct kvm_vcpu_init init;

    memset(&init, 0, sizeof(init));
    init.target = target;
    return ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0 ? errno : 0;
}

static int get_reg(int vcpu, uint64_t id, uint64_t *val)
{
    struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

    return ioctl(vcpu, KVM_GET_ONE_REG, &reg) < 0 ? errno : 0;
}

static int set_reg(int vcpu, uint64_t id, uint64_t val)
{
    struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

    return ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0 ? errno : 0;
}

/* reg_text: "0x..." or the errno name of reading ID on VCPU */
static const char *reg_text(int vcpu, uint64_t id, char *buf, size_t len)
{
    uint64_t val;
    int err = get_reg(vcpu, id, &val);

    if (err) {
        snprintf(buf, len, "%s", errname(err));
    } else {
        snprintf(buf, len, "0x%016" PRIx64, val);
    }
    return buf;
}

static void print_reg(int cpu, int vcpu, int op1, int crm, int op2)
{
    uint64_t val;
    int err = get_reg(vcpu, sysreg_id(op1, crm, op2), &val);

    printf("KVMID cpu=%d reg=S3_%d_C0_C%d_%d name=%s ", cpu, op1, crm, op2,
           id_name(op1, crm, op2));
    if (err) {
        printf("errno=%s\n", errname(err));
    } else {
        printf("value=0x%016" PRIx64 "\n", val);
    }
}

static uint64_t read_sysfs_hex(int cpu, const char *file)
{
    char path[128];
    unsigned long long val = 0;
    FILE *f;

    snprintf(path, sizeof(path),
             "/sys/devices/system/cpu/cpu%d/regs/identification/%s",
             cpu, file);
    f = fopen(path, "r");
    if (!f) {
        return UINT64_MAX;
    }
    if (fscanf(f, "%llx", &val) != 1) {
        val = UINT64_MAX;
    }
    fclose(f);
    return val;
}

/* The online CPUs, from a list such as 0-3,5 */
static void read_online(void)
{
    char buf[256], *p = buf;
    FILE *f = fopen("/sys/devices/system/cpu/online", "r");

    if (!f || !fgets(buf, sizeof(buf), f)) {
        fail("reading-/sys/devices/system/cpu/online", errno);
    }
    fclose(f);
    while (*p && *p != '\n') {
        long lo = strtol(p, &p, 10), hi = lo, c;

        if (*p == '-') {
            hi = strtol(p + 1, &p, 10);
        }
        for (c = lo; c <= hi && c < MAX_CPUS; c++) {
            cpus[ncpus++] = c;
        }
        if (*p == ',') {
            p++;
        }
    }
}

/* The first online CPU whose MIDR differs from CPU's, else -1 */
static int other_kind(int cpu)
{
    int i;

    for (i = 0; i < ncpus; i++) {
        if (host_midr[cpus[i]] != host_midr[cpu]) {
            return cpus[i];
        }
    }
    return -1;
}

static void probe_caps(void)
{
    static const struct {
        long cap;
        const char *name;
    } caps[] = {
        { KVM_CAP_ARM_VM_IPA_SIZE, "KVM_CAP_ARM_VM_IPA_SIZE" },
        { KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3" },
        { KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES,
          "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES" },
        { KVM_CAP_ARM_WRITABLE_IMP_ID_REGS,
          "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS" },
        { KVM_CAP_ARM_EL1_32BIT, "KVM_CAP_ARM_EL1_32BIT" },
        { KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2" },
        { KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE" },
        { KVM_CAP_ARM_PTRAUTH_ADDRESS, "KVM_CAP_ARM_PTRAUTH_ADDRESS" },
        { KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE" },
        { KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG" },
        { KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS" },
        { KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS" },
    };
    size_t i;
    int vm;

    pin(cpus[0]);
    vm = create_vm();
    for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        printf("KVMID cap=%s sys=%d vm=%d\n", caps[i].name,
               ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap),
               ioctl(vm, KVM_CHECK_EXTENSION, caps[i].cap));
    }
    close(vm);
}

/* The host kernel's messages about differing cores, from its log */
static void probe_host_log(void)
{
    int len = klogctl(10, NULL, 0);     /* SYSLOG_ACTION_SIZE_BUFFER */
    char *buf, *line, *end;

    if (len <= 0) {
        printf("KVMID host-log errno=%s\n", errname(errno));
        return;
    }
    buf = calloc(1, len + 1);
    if (!buf) {
        fail("calloc", ENOMEM);
    }
    len = klogctl(3, buf, len);         /* SYSLOG_ACTION_READ_ALL */
    if (len < 0) {
        printf("KVMID host-log errno=%s\n", errname(errno));
        free(buf);
        return;
    }
    buf[len] = 0;
    for (line = buf; line && *line; line = end) {
        end = strchr(line, '\n');
        if (end) {
            *end++ = 0;
        }
        if (strstr(line, "CPU features") || strstr(line, "SANITY") ||
            strstr(line, "kvm [") || strstr(line, "Mismatched")) {
            printf("KVMID host-log line=%s\n", line);
        }
    }
    free(buf);
}

/*
 * What this thread reads on CPU: MIDR_EL1 and the ID registers trap and
 * the kernel answers (MIDR: the core's own; ID registers: its sanitised
 * system-wide view, fields userspace may see only); CTR_EL0 is the core's
 * own unless the kernel traps it for cores with mismatched caches.
 */
static void print_el0(int cpu)
{
    uint64_t midr, ctr, mmfr0;

    __asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    printf("KVMID cpu=%d el0-midr=0x%08" PRIx64 " el0-ctr=0x%08" PRIx64
           " el0-mmfr0=0x%016" PRIx64 "\n", cpu, midr, ctr, mmfr0);
}

/* Per CPU: its identity in sysfs, the targets KVM accepts, the registers */
static void probe_cpu(int cpu)
{
    static const int targets[] = {
        KVM_ARM_TARGET_GENERIC_V8, KVM_ARM_TARGET_CORTEX_A57,
        KVM_ARM_TARGET_CORTEX_A53,
    };
    int vcpu_of[sizeof(targets) / sizeof(targets[0])];
    int vm_of[sizeof(targets) / sizeof(targets[0])];
    struct kvm_vcpu_init pref;
    int vm, vcpu = -1, err, crm, op2;
    size_t i;

    pin(cpu);
    printf("KVMID cpu=%d host-midr=0x%08" PRIx64 " host-revidr=0x%08" PRIx64
           "\n", cpu, read_sysfs_hex(cpu, "midr_el1"),
           read_sysfs_hex(cpu, "revidr_el1"));
    print_el0(cpu);

    vm = create_vm();
    memset(&pref, 0, sizeof(pref));
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &pref) < 0) {
        preferred[cpu] = NO_TARGET;
        printf("KVMID cpu=%d preferred-target=none errno=%s\n", cpu,
               errname(errno));
    } else {
        preferred[cpu] = pref.target;
        printf("KVMID cpu=%d preferred-target=%s\n", cpu,
               target_name(pref.target));
    }
    close(vm);

    /* A new VM for each target: a failed init must not colour the next */
    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        pin(cpu);
        vm_of[i] = create_vm();
        vcpu_of[i] = create_vcpu(vm_of[i], 0);
        err = vcpu_init(vcpu_of[i], targets[i]);
        printf("KVMID cpu=%d init=%s result=%s\n", cpu,
               target_name(targets[i]), err ? errname(err) : "ok");
        if (err) {
            close(vcpu_of[i]);
            close(vm_of[i]);
            vcpu_of[i] = vm_of[i] = -1;
        }
    }
    /* The registers of the GENERIC_V8 vCPU, else of the preferred one */
    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        if (vcpu_of[i] >= 0 &&
            (targets[i] == KVM_ARM_TARGET_GENERIC_V8 ||
             targets[i] == preferred[cpu])) {
            vcpu = vcpu_of[i];
            printf("KVMID cpu=%d regs-target=%s\n", cpu,
                   target_name(targets[i]));
            break;
        }
    }
    if (vcpu < 0) {
        printf("KVMID cpu=%d regs-target=none\n", cpu);
    } else {
        pin(cpu);
        for (crm = 0; crm < 8; crm++) {
            for (op2 = 0; op2 < 8; op2++) {
                print_reg(cpu, vcpu, 0, crm, op2);
            }
        }
        for (i = 0; i < sizeof(extra_regs) / sizeof(extra_regs[0]); i++) {
            print_reg(cpu, vcpu, extra_regs[i].op1, extra_regs[i].crm,
                      extra_regs[i].op2);
        }
    }
    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        if (vcpu_of[i] >= 0) {
            close(vcpu_of[i]);
            close(vm_of[i]);
        }
    }
}

/*
 * A vCPU initialised on FROM, then initialised again (as QEMU does at
 * every reset) from a thread moved to TO, a core of the other kind: every
 * pair of targets, a fresh VM for each.
 */
static void probe_reinit(int from, int to)
{
    static const int targets[] = {
        KVM_ARM_TARGET_GENERIC_V8, KVM_ARM_TARGET_CORTEX_A57,
        KVM_ARM_TARGET_CORTEX_A53,
    };
    size_t f, s;
    int vm, vcpu, err;
    char before[32], after[32];

    for (f = 0; f < sizeof(targets) / sizeof(targets[0]); f++) {
        for (s = 0; s < sizeof(targets) / sizeof(targets[0]); s++) {
            pin(from);
            vm = create_vm();
            vcpu = create_vcpu(vm, 0);
            err = vcpu_init(vcpu, targets[f]);
            if (err) {
                /* the first init is what probe_cpu() already showed */
                close(vcpu);
                close(vm);
                break;
            }
            reg_text(vcpu, sysreg_id(0, 0, 0), before, sizeof(before));
            pin(to);
            err = vcpu_init(vcpu, targets[s]);
            reg_text(vcpu, sysreg_id(0, 0, 0), after, sizeof(after));
            printf("KVMID reinit from-cpu=%d first=%s to-cpu=%d second=%s"
                   " result=%s midr-before=%s midr-after=%s\n",
                   from, target_name(targets[f]), to,
                   target_name(targets[s]), err ? errname(err) : "ok",
                   before, after);
            close(vcpu);
            close(vm);
        }
    }
}

/* probe_masks: fill MASKS and return true if KVM has the ioctl */
static bool probe_masks(uint64_t *masks)
{
    struct reg_mask_range range;
    int vm, op1, crm, op2, idx;

    pin(cpus[0]);
    vm = create_vm();
    memset(&range, 0, sizeof(range));
    range.addr = (uintptr_t)masks;
    range.range = KVM_ARM_FEATURE_ID_RANGE;
    if (ioctl(vm, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0) {
        printf("KVMID masks=unsupported errno=%s\n", errname(errno));
        close(vm);
        return false;
    }
    close(vm);
    printf("KVMID masks=ok\n");
    for (idx = 0; idx < ID_SPACE_SIZE; idx++) {
        op1 = idx >> 6 == 2 ? 3 : idx >> 6;
        crm = (idx >> 3) & 7;
        op2 = idx & 7;
        /* every named register and every nonzero mask */
        if (masks[idx] || strcmp(id_name(op1, crm, op2), "-")) {
            printf("KVMID mask reg=S3_%d_C0_C%d_%d name=%s value=0x%016"
                   PRIx64 "\n", op1, crm, op2, id_name(op1, crm, op2),
                   masks[idx]);
        }
    }
    return true;
}

/*
 * KVM_SET_ONE_REG on vCPU 0 (on A) of a fresh VM, before any KVM_RUN,
 * that also has vCPU 1 (on B): the value read back (is the register
 * settable at all), then each writable nonzero 4-bit field lowered by one
 * on its own (MIDR_EL1: the other core kind's value), each read back on
 * both vCPUs and undone.  Without MASKS (before Linux 6.7) every nonzero
 * field is tried.
 */
static void probe_write(int a, int b, const uint64_t *masks)
{
    static const struct {
        int op1, crm, op2;
    } regs[] = {
        { 0, 7, 0 },    /* ID_AA64MMFR0_EL1: PARange is field 0 */
        { 0, 4, 0 },    /* ID_AA64PFR0_EL1 */
        { 0, 6, 0 },    /* ID_AA64ISAR0_EL1 */
        { 0, 5, 0 },    /* ID_AA64DFR0_EL1 */
        { 0, 0, 0 },    /* MIDR_EL1 */
        { 0, 0, 6 },    /* REVIDR_EL1 */
        { 3, 0, 1 },    /* CTR_EL0 */
    };
    size_t i;
    int vm, v0, v1, ta, tb, err, shift, same, set, undo, tried;
    uint64_t id, old, mask, val;
    char what[32], mask_s[24], old1[32], now0[32], now1[32];

    for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        int op1 = regs[i].op1, crm = regs[i].crm, op2 = regs[i].op2;
        const char *name = id_name(op1, crm, op2);

        id = sysreg_id(op1, crm, op2);
        pin(a);
        vm = create_vm();
        v0 = create_vcpu(vm, 0);
        ta = KVM_ARM_TARGET_GENERIC_V8;
        if (vcpu_init(v0, ta)) {
            ta = preferred[a];
            if (ta == NO_TARGET || vcpu_init(v0, ta)) {
                printf("KVMID write reg=S3_%d_C0_C%d_%d skipped=no-vcpu0\n",
                       op1, crm, op2);
                close(v0);
                close(vm);
                continue;
            }
        }
        pin(b);
        v1 = create_vcpu(vm, 1);
        tb = KVM_ARM_TARGET_GENERIC_V8;
        if (vcpu_init(v1, tb)) {
            tb = preferred[b];
            if (tb != NO_TARGET && vcpu_init(v1, tb)) {
                tb = NO_TARGET;
            }
        }
        if (i == 0) {
            printf("KVMID write-vm vcpu0-cpu=%d vcpu0-target=%s"
                   " vcpu1-cpu=%d vcpu1-target=%s\n", a, target_name(ta), b,
                   tb == NO_TARGET ? "none" : target_name(tb));
        }

        pin(a);
        err = get_reg(v0, id, &old);
        if (err) {
            printf("KVMID write reg=S3_%d_C0_C%d_%d name=%s skipped=read"
                   " errno=%s\n", op1, crm, op2, name, errname(err));
            goto next;
        }
        same = set_reg(v0, id, old);
        pin(b);
        reg_text(v1, id, old1, sizeof(old1));
        mask = masks ? masks[id_index(op1, crm, op2)] : UINT64_MAX;
        if (masks) {
            snprintf(mask_s, sizeof(mask_s), "0x%016" PRIx64, mask);
        } else {
            snprintf(mask_s, sizeof(mask_s), "unknown");
        }
        printf("KVMID write reg=S3_%d_C0_C%d_%d name=%s old=0x%016" PRIx64
               " vcpu1-old=%s mask=%s set-same=%s\n", op1, crm, op2, name,
               old, old1, mask_s, same ? errname(same) : "ok");

        tried = 0;
        for (shift = 0; shift < 64 + 4; shift += 4) {
            if (op1 == 0 && crm == 0 && op2 == 0) {
                /* MIDR: the other kind of core's, whatever the mask says */
                if (shift) {
                    break;
                }
                val = (old & ~0xffffffffULL) |
                      (host_midr[b] != host_midr[a] ?
                       host_midr[b] : ((uint32_t)old ^ 0x00100000));
                snprintf(what, sizeof(what), "midr-of-cpu%d", b);
            } else if (shift == 64) {
                /* a register with no field to lower: change bit 0 */
                if (tried) {
                    break;
                }
                val = old ^ 1;
                snprintf(what, sizeof(what), "flip-bit0");
            } else if (((mask >> shift) & 0xf) == 0xf &&
                       ((old >> shift) & 0xf)) {
                val = old - (1ULL << shift);
                snprintf(what, sizeof(what), "bits%d-%d:%d->%d", shift + 3,
                         shift, (int)((old >> shift) & 0xf),
                         (int)((val >> shift) & 0xf));
            } else {
                continue;
            }
            tried++;
            pin(a);
            set = set_reg(v0, id, val);
            reg_text(v0, id, now0, sizeof(now0));
            pin(b);
            reg_text(v1, id, now1, sizeof(now1));
            pin(a);
            undo = set ? 0 : set_reg(v0, id, old);
            printf("KVMID write reg=S3_%d_C0_C%d_%d name=%s change=%s"
                   " new=0x%016" PRIx64 " set=%s vcpu0-now=%s vcpu1-now=%s"
                   " vm-wide=%s undo=%s\n", op1, crm, op2, name, what, val,
                   set ? errname(set) : "ok", now0, now1,
                   set || tb == NO_TARGET ? "n/a" :
                   !strcmp(now0, now1) ? "yes" : "no",
                   set ? "n/a" : undo ? errname(undo) : "ok");
        }
next:
        close(v1);
        close(v0);
        close(vm);
    }
}

int main(void)
{
    struct utsname uts;
    uint64_t masks[ID_SPACE_SIZE];
    bool have_masks;
    int i, other;

    setvbuf(stdout, NULL, _IOLBF, 0);
    uname(&uts);
    printf("KVMID uname=%s\n", uts.release);
    kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) {
        fail("open-/dev/kvm", errno);
    }
    printf("KVMID api=%d\n", ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
    read_online();
    for (i = 0; i < ncpus; i++) {
        host_midr[cpus[i]] = read_sysfs_hex(cpus[i], "midr_el1");
    }

    probe_host_log();
    probe_caps();
    for (i = 0; i < ncpus; i++) {
        probe_cpu(cpus[i]);
    }

    other = other_kind(cpus[0]);
    if (other < 0) {
        printf("KVMID reinit skipped=one-kind-of-core\n");
    } else {
        probe_reinit(cpus[0], other);
        probe_reinit(other, cpus[0]);
    }

    memset(masks, 0, sizeof(masks));
    have_masks = probe_masks(masks);
    probe_write(cpus[0], other >= 0 ? other : cpus[ncpus > 1],
                have_masks ? masks : NULL);
    printf("KVMID done\n");
    return 0;
}
