/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * QTest of the AArch64 ID registers rcar-virt's vCPUs show at EL1
 *
 * Boots id-probe, a bare-metal ELF from the qemu-rcar tree (id-probe/,
 * built by scripts/build-id-probe.sh), which reads all 64 encodings
 * op0=3, op1=0, CRn=0, CRm=0..7, op2=0..7 on every vCPU and writes the
 * values and any exception syndromes to RAM; see id-probe/id-probe.S for
 * the memory protocol.  The probe's path comes from QTEST_RCAR_ID_PROBE.
 *
 * Cases: each R-Car core model against a table of all 64 expected values
 * (its TRM's values plus named adjustments), every vCPU of the h3, v4h
 * and s4 presets against its core's table, and a structural check of
 * every CPU type rcar-virt accepts.  rcar-virt-test.c checks the rest of
 * the machine.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

/* The probe's memory protocol: id-probe/id-probe.S and id-probe.ld */
#define IDP_PARAMS          0x40100000ULL
#define IDP_P_NCPUS         0x00
#define IDP_P_FLAGS         0x08
#define IDP_P_STRAY         0x10
#define IDP_P_EARLY_EXC     0x18
#define IDP_P_MPIDR         0x40
#define IDP_FLAG_PSCI_ON    1
#define IDP_MAX_CPUS        64
#define IDP_RESULTS         0x40110000ULL
#define IDP_RECORD_SIZE     0x800
#define IDP_R_DONE          0x000
#define IDP_R_MPIDR         0x008
#define IDP_R_EL            0x010
#define IDP_R_PSCI          0x018
#define IDP_R_EXC           0x020
#define IDP_R_VALUE         0x100
#define IDP_R_TRAP          0x300
#define IDP_RECORD_USED     0x500
#define IDP_DONE            0x2145424f52504449ULL   /* "IDPROBE!" */
#define IDP_TRAPPED         (1ULL << 63)

#define IDP_TIMEOUT_S       30
#define CURRENT_EL1         (1 << 2)
#define MPIDR_RES1          (1ULL << 31)

/* Encoding index: the probe's order, CRm * 8 + op2 */
#define NENC                64
#define ENC(crm, op2)       ((crm) * 8 + (op2))

/* ESR_EL1 */
#define ESR_EC_SHIFT        26
#define ESR_IL              (1ULL << 25)
#define EC_UNKNOWN          0x00
#define EC_SYSTEMREGISTERTRAP 0x18

/*
 * The ID space, op0=3 op1=0 CRn=0 CRm=0..7, as allocated by the Arm ARM
 * (DDI 0487, "Instructions for accessing non-debug System registers",
 * Table D23-2 in the issue read; Linux arch/arm64/tools/sysreg agrees).
 * The newest entries are ID_AA64PFR2 (Armv8.9/9.4), ID_AA64DFR2 (FEAT_BWE
 * and FEAT_STEP2), ID_AA64FPFR0, ID_AA64ISAR3 and ID_AA64MMFR4 (Armv9.5
 * extensions); nothing later is allocated here.
 *
 * The same section gives the behaviour of the unused encodings of this
 * "Feature ID space":
 *  - op1=0, CRm=1..7: reads are RES0 (RAZ), so that software can read ID
 *    registers that future architecture versions define;
 *  - op1=0, CRm=0 (op2 = 1, 2, 3, 4, 7): UNDEFINED, EC 0x00 (unknown
 *    reason); with FEAT_IDST (Armv8.4) the exception is reported with
 *    EC 0x18 (trapped MSR/MRS) instead.
 * Linux agrees: KVM's ID_UNALLOCATED(crm, op2) (arch/arm64/kvm/
 * sys_regs.c) makes only 1 <= CRm < 8 RAZ, and QEMU's target/arm/helper.c
 * defines "*_RESERVED" RAZ registers for CRm 1..7 and nothing for CRm=0
 * op2 1-4 and 7 in AArch64 (in AArch32 those are CTR, TCMTR, TLBTR and
 * MIDR aliases).  In Armv8-R AArch64, not A-profile, CRm=0 op2=4 is
 * MPUIR_EL1, which is why objdump names it so.
 */
static const char *const id_names[NENC] = {
    [ENC(0, 0)] = "MIDR_EL1",
    [ENC(0, 5)] = "MPIDR_EL1",
    [ENC(0, 6)] = "REVIDR_EL1",
    [ENC(1, 0)] = "ID_PFR0_EL1",
    [ENC(1, 1)] = "ID_PFR1_EL1",
    [ENC(1, 2)] = "ID_DFR0_EL1",
    [ENC(1, 3)] = "ID_AFR0_EL1",
    [ENC(1, 4)] = "ID_MMFR0_EL1",
    [ENC(1, 5)] = "ID_MMFR1_EL1",
    [ENC(1, 6)] = "ID_MMFR2_EL1",
    [ENC(1, 7)] = "ID_MMFR3_EL1",
    [ENC(2, 0)] = "ID_ISAR0_EL1",
    [ENC(2, 1)] = "ID_ISAR1_EL1",
    [ENC(2, 2)] = "ID_ISAR2_EL1",
    [ENC(2, 3)] = "ID_ISAR3_EL1",
    [ENC(2, 4)] = "ID_ISAR4_EL1",
    [ENC(2, 5)] = "ID_ISAR5_EL1",
    [ENC(2, 6)] = "ID_MMFR4_EL1",
    [ENC(2, 7)] = "ID_ISAR6_EL1",
    [ENC(3, 0)] = "MVFR0_EL1",
    [ENC(3, 1)] = "MVFR1_EL1",
    [ENC(3, 2)] = "MVFR2_EL1",
    [ENC(3, 4)] = "ID_PFR2_EL1",
    [ENC(3, 5)] = "ID_DFR1_EL1",
    [ENC(3, 6)] = "ID_MMFR5_EL1",
    [ENC(4, 0)] = "ID_AA64PFR0_EL1",
    [ENC(4, 1)] = "ID_AA64PFR1_EL1",
    [ENC(4, 2)] = "ID_AA64PFR2_EL1",
    [ENC(4, 4)] = "ID_AA64ZFR0_EL1",
    [ENC(4, 5)] = "ID_AA64SMFR0_EL1",
    [ENC(4, 7)] = "ID_AA64FPFR0_EL1",
    [ENC(5, 0)] = "ID_AA64DFR0_EL1",
    [ENC(5, 1)] = "ID_AA64DFR1_EL1",
    [ENC(5, 2)] = "ID_AA64DFR2_EL1",
    [ENC(5, 4)] = "ID_AA64AFR0_EL1",
    [ENC(5, 5)] = "ID_AA64AFR1_EL1",
    [ENC(6, 0)] = "ID_AA64ISAR0_EL1",
    [ENC(6, 1)] = "ID_AA64ISAR1_EL1",
    [ENC(6, 2)] = "ID_AA64ISAR2_EL1",
    [ENC(6, 3)] = "ID_AA64ISAR3_EL1",
    [ENC(7, 0)] = "ID_AA64MMFR0_EL1",
    [ENC(7, 1)] = "ID_AA64MMFR1_EL1",
    [ENC(7, 2)] = "ID_AA64MMFR2_EL1",
    [ENC(7, 3)] = "ID_AA64MMFR3_EL1",
    [ENC(7, 4)] = "ID_AA64MMFR4_EL1",
};

/* CRm=0 op2 = 1, 2, 3, 4, 7: the encodings that must trap */
static bool enc_undefined(int enc)
{
    return enc < 8 && !id_names[enc];
}

static char *enc_name(int enc)
{
    if (id_names[enc]) {
        return g_strdup(id_names[enc]);
    }
    return g_strdup_printf("S3_0_C0_C%d_%d", enc / 8, enc % 8);
}

/* ESR_EL1 of an MRS of encoding @enc into x0 trapped as EC 0x18 */
static uint64_t esr_sysreg_trap(int enc)
{
    uint64_t iss = (3 << 20) | ((enc % 8) << 17) | ((enc / 8) << 1) | 1;

    return ((uint64_t)EC_SYSTEMREGISTERTRAP << ESR_EC_SHIFT) | ESR_IL | iss;
}

/*
 * What the machine gives the CPU, and so which adjustments of the TRM
 * values apply.  rcar-virt without virtualization=on has no EL2 and never
 * has EL3; under TCG every CPU has its PMU; the GIC is a GICv3 for
 * soc=generic, v4h and s4, and a GIC-400 for the Gen3 presets.
 */
typedef struct Platform {
    bool el2;
    bool el3;
    bool gicv3;
    bool pmu;
} Platform;

static const Platform rcar_gicv3 = { .gicv3 = true, .pmu = true };
static const Platform rcar_gicv2 = { .gicv3 = false, .pmu = true };

typedef enum When {
    ALWAYS,
    NO_EL3,
    NO_EL2,
    NO_PMU,
    GICV3,
} When;

/* One field of one register set to a value, and why */
typedef struct Edit {
    int enc;
    const char *field;
    unsigned int shift;
    unsigned int width;
    When when;
    uint64_t value;
    const char *why;
} Edit;

/*
 * What QEMU changes in every model's ID registers on rcar-virt under TCG
 * (target/arm/cpu.c arm_cpu_realizefn() and, for the GIC fields,
 * target/arm/helper.c id_aa64pfr0_read() and id_pfr1_read()).  The TRM
 * values below are those of a core configured with GICCDISABLE high (no
 * GIC system register interface); the GICv3 edits add it.
 */
static const Edit platform_edits[] = {
    { ENC(4, 0), "EL3", 12, 4, NO_EL3, 0, "no EL3 (has_el3=off)" },
    { ENC(4, 0), "RME", 52, 4, NO_EL3, 0, "no EL3 (has_el3=off)" },
    { ENC(1, 1), "Security", 4, 4, NO_EL3, 0, "no EL3 (has_el3=off)" },
    { ENC(1, 2), "CopSDbg", 4, 4, NO_EL3, 0, "no EL3 (has_el3=off)" },
    { ENC(4, 0), "EL2", 8, 4, NO_EL2, 0, "no EL2 (virtualization=off)" },
    { ENC(1, 1), "Virtualization", 12, 4, NO_EL2, 0,
      "no EL2 (virtualization=off)" },
    { ENC(4, 0), "GIC", 24, 4, GICV3, 1, "GICv3 CPU interface" },
    { ENC(1, 1), "GIC", 28, 4, GICV3, 1, "GICv3 CPU interface" },
    { ENC(5, 0), "PMUVer", 8, 4, NO_PMU, 0, "pmu=off" },
    { ENC(1, 2), "PerfMon", 24, 4, NO_PMU, 0, "pmu=off" },
    /* TCG implements none of these, and hides them from the guest */
    { ENC(5, 0), "TraceVer", 4, 4, ALWAYS, 0, "TCG: no trace unit" },
    { ENC(5, 0), "PMSVer", 32, 4, ALWAYS, 0, "TCG: no SPE" },
    { ENC(5, 0), "TraceFilt", 40, 4, ALWAYS, 0, "TCG: no FEAT_TRF" },
    { ENC(5, 0), "TraceBuffer", 44, 4, ALWAYS, 0, "TCG: no TRBE" },
    { ENC(1, 2), "CopTrc", 12, 4, ALWAYS, 0, "TCG: no trace unit" },
    { ENC(1, 2), "MMapTrc", 16, 4, ALWAYS, 0, "TCG: no trace unit" },
    { ENC(1, 2), "TraceFilt", 28, 4, ALWAYS, 0, "TCG: no FEAT_TRF" },
    { ENC(4, 0), "MPAM", 40, 4, ALWAYS, 0, "TCG: no MPAM" },
    { ENC(4, 0), "AMU", 44, 4, ALWAYS, 0, "TCG: no activity monitors" },
    { ENC(1, 0), "AMU", 20, 4, ALWAYS, 0, "TCG: no activity monitors" },
};

/*
 * A core model: the values of its TRM (the GIC fields as above), then
 * QEMU's own departures from the TRM for that model, each explained.
 * Encodings not listed read zero.  The values are the TRM register
 * summaries as QEMU transcribes them (target/arm/cpu64.c, target/arm/tcg/
 * cpu64.c, which cite the same sections); those marked [TRM] were also
 * read in the TRM itself.
 */
typedef struct CoreIds {
    const char *cpu;            /* -cpu model */
    const char *trm;            /* where the values come from */
    uint64_t val[NENC];
    const Edit *quirks;
    size_t nquirks;
} CoreIds;

/*
 * Cortex-A57 r1p3: Cortex-A57 MPCore TRM (ARM DDI 0488), 4.2 "AArch64
 * register summary", Table 4-1 "AArch64 identification registers", and
 * 4.3 "AArch64 register descriptions".  MIDR r1p3 as an R-Car H3 ES3.0
 * reports it; QEMU's cortex-a57 is r1p0 and otherwise the same.  Crypto
 * extension present (ID_AA64ISAR0, ID_ISAR5), 44-bit PA (PARange 4).
 * Differences from the TRM: the platform edits only (EL2, EL3, GIC,
 * MMapTrc and CopSDbg in ID_DFR0).
 */
static const CoreIds cortex_a57_r1p3 = {
    .cpu = "cortex-a57-r1p3",
    .trm = "ARM DDI 0488, Table 4-1",
    .val = {
        [ENC(0, 0)] = 0x411fd073,               /* r1p3, 4.3.1 */
        [ENC(0, 6)] = 0x00000000,
        [ENC(1, 0)] = 0x00000131,
        [ENC(1, 1)] = 0x00011011,
        [ENC(1, 2)] = 0x03010066,
        [ENC(1, 4)] = 0x10101105,
        [ENC(1, 5)] = 0x40000000,
        [ENC(1, 6)] = 0x01260000,
        [ENC(1, 7)] = 0x02102211,
        [ENC(2, 0)] = 0x02101110,
        [ENC(2, 1)] = 0x13112111,
        [ENC(2, 2)] = 0x21232042,
        [ENC(2, 3)] = 0x01112131,
        [ENC(2, 4)] = 0x00011142,
        [ENC(2, 5)] = 0x00011121,
        [ENC(3, 0)] = 0x10110222,
        [ENC(3, 1)] = 0x12111111,
        [ENC(3, 2)] = 0x00000043,
        [ENC(4, 0)] = 0x00002222,               /* [TRM] Table 4-32 */
        [ENC(5, 0)] = 0x10305106,
        [ENC(6, 0)] = 0x00011120,
        [ENC(7, 0)] = 0x00001124,
    },
};

/*
 * QEMU's Cortex-A53 reports REVIDR_EL1 bit 8 set.  The TRM (DDI 0500F,
 * 4.5 "Revision ID Register", Table 4.162) gives 0x00000000 and leaves
 * the value to the implementation; bit 8 on an r0p4 is how a part tells
 * Linux that erratum 843419 is fixed (arch/arm64/kernel/cpu_errata.c,
 * MIDR_FIXED(0x4, BIT(8))), which holds for TCG.
 */
static const Edit a53_quirks[] = {
    { ENC(0, 6), "erratum 843419 fixed", 8, 1, ALWAYS, 1,
      "QEMU: TCG has no erratum 843419" },
};

/*
 * Cortex-A53 r0p4: Cortex-A53 MPCore TRM (ARM DDI 0500), 4.2 "AArch64
 * register summary", Table 4-1, and 4.3.  Crypto extension present,
 * 40-bit PA (PARange 2).  Differences from the TRM: the platform edits
 * and REVIDR_EL1 (a53_quirks).
 */
static const CoreIds cortex_a53_r0p4 = {
    .cpu = "cortex-a53-r0p4",
    .trm = "ARM DDI 0500, Table 4-1",
    .val = {
        [ENC(0, 0)] = 0x410fd034,
        [ENC(0, 6)] = 0x00000000,               /* [TRM] Table 4.162 */
        [ENC(1, 0)] = 0x00000131,
        [ENC(1, 1)] = 0x00011011,
        [ENC(1, 2)] = 0x03010066,
        [ENC(1, 4)] = 0x10101105,
        [ENC(1, 5)] = 0x40000000,
        [ENC(1, 6)] = 0x01260000,
        [ENC(1, 7)] = 0x02102211,
        [ENC(2, 0)] = 0x02101110,
        [ENC(2, 1)] = 0x13112111,
        [ENC(2, 2)] = 0x21232042,
        [ENC(2, 3)] = 0x01112131,
        [ENC(2, 4)] = 0x00011142,
        [ENC(2, 5)] = 0x00011121,
        [ENC(3, 0)] = 0x10110222,
        [ENC(3, 1)] = 0x12111111,
        [ENC(3, 2)] = 0x00000043,
        [ENC(4, 0)] = 0x00002222,               /* [TRM] Table 4-45 */
        [ENC(5, 0)] = 0x10305106,
        [ENC(6, 0)] = 0x00011120,
        [ENC(7, 0)] = 0x00001122,
    },
    .quirks = a53_quirks,
    .nquirks = ARRAY_SIZE(a53_quirks),
};

/*
 * Cortex-A76 r4p1: Cortex-A76 Core TRM (Arm 100798_0401), B2.4 "AArch64
 * registers by functional group" and the B2 register descriptions.
 * AArch32 at EL0 only: ID_PFR1 has no Security or Virtualization field,
 * ID_AA64PFR0 EL1-EL3 read 1 (AArch64 only).  RAS, CSV2 and CSV3
 * present; PMUv3 for Armv8.1 (PMUVer 4); 40-bit PA.  Differences from
 * the TRM: the platform edits only.
 */
static const CoreIds cortex_a76 = {
    .cpu = "cortex-a76",
    .trm = "Arm 100798_0401, B2.4",
    .val = {
        [ENC(0, 0)] = 0x414fd0b1,               /* r4p1, B2.84 */
        [ENC(0, 6)] = 0x00000000,
        [ENC(1, 0)] = 0x10010131,
        [ENC(1, 1)] = 0x00010000,
        [ENC(1, 2)] = 0x04010088,
        [ENC(1, 4)] = 0x10201105,
        [ENC(1, 5)] = 0x40000000,
        [ENC(1, 6)] = 0x01260000,
        [ENC(1, 7)] = 0x02122211,
        [ENC(2, 0)] = 0x02101110,
        [ENC(2, 1)] = 0x13112111,
        [ENC(2, 2)] = 0x21232042,
        [ENC(2, 3)] = 0x01112131,
        [ENC(2, 4)] = 0x00010142,
        [ENC(2, 5)] = 0x01011121,
        [ENC(2, 6)] = 0x00021110,
        [ENC(2, 7)] = 0x00000010,
        [ENC(3, 0)] = 0x10110222,
        [ENC(3, 1)] = 0x13211111,
        [ENC(3, 2)] = 0x00000043,
        [ENC(3, 4)] = 0x00000011,
        [ENC(4, 0)] = 0x1100000010111112ULL,
        [ENC(4, 1)] = 0x00000010,
        [ENC(5, 0)] = 0x10305408,
        [ENC(6, 0)] = 0x0000100010211120ULL,
        [ENC(6, 1)] = 0x00100001,
        [ENC(7, 0)] = 0x00101122,
        [ENC(7, 1)] = 0x10212122,
        [ENC(7, 2)] = 0x00001011,
    },
};

/*
 * Cortex-A55 r2p0: Cortex-A55 Core TRM (Arm 100442_0200), B2.4 "AArch64
 * registers by functional group" and the B2 register descriptions.
 * AArch32 at every EL, EL2 and EL3 in both states; RAS, PMUv3 for
 * Armv8.1, 40-bit PA.  Differences from the TRM: the platform edits only.
 */
static const CoreIds cortex_a55 = {
    .cpu = "cortex-a55",
    .trm = "Arm 100442_0200, B2.4",
    .val = {
        [ENC(0, 0)] = 0x412fd050,
        [ENC(0, 6)] = 0x00000000,
        [ENC(1, 0)] = 0x10010131,
        [ENC(1, 1)] = 0x00011011,
        [ENC(1, 2)] = 0x04010088,
        [ENC(1, 4)] = 0x10201105,
        [ENC(1, 5)] = 0x40000000,
        [ENC(1, 6)] = 0x01260000,
        [ENC(1, 7)] = 0x02122211,
        [ENC(2, 0)] = 0x02101110,
        [ENC(2, 1)] = 0x13112111,
        [ENC(2, 2)] = 0x21232042,
        [ENC(2, 3)] = 0x01112131,
        [ENC(2, 4)] = 0x00011142,
        [ENC(2, 5)] = 0x01011121,
        [ENC(2, 6)] = 0x00021110,
        [ENC(2, 7)] = 0x00000010,
        [ENC(3, 0)] = 0x10110222,
        [ENC(3, 1)] = 0x13211111,
        [ENC(3, 2)] = 0x00000043,
        [ENC(3, 4)] = 0x00000011,
        [ENC(4, 0)] = 0x10112222,
        [ENC(4, 1)] = 0x00000010,
        [ENC(5, 0)] = 0x10305408,
        [ENC(6, 0)] = 0x0000100010211120ULL,
        [ENC(6, 1)] = 0x00100001,
        [ENC(7, 0)] = 0x00101122,
        [ENC(7, 1)] = 0x10212122,
        [ENC(7, 2)] = 0x00001011,
    },
};

static const CoreIds *const cores[] = {
    &cortex_a57_r1p3, &cortex_a53_r0p4, &cortex_a76, &cortex_a55,
};

/* The presets' vCPUs, in cpu-index order (docs/system/arm/rcar-virt.rst) */
typedef struct PresetIds {
    const char *soc;
    const Platform *platform;
    int ncpus;
    uint64_t mpidr[8];
    const CoreIds *core[8];
} PresetIds;

static const PresetIds presets[] = {
    { "h3", &rcar_gicv2, 8,
      { 0x000, 0x001, 0x002, 0x003, 0x100, 0x101, 0x102, 0x103 },
      { &cortex_a57_r1p3, &cortex_a57_r1p3, &cortex_a57_r1p3,
        &cortex_a57_r1p3, &cortex_a53_r0p4, &cortex_a53_r0p4,
        &cortex_a53_r0p4, &cortex_a53_r0p4 } },
    { "m3w", &rcar_gicv2, 6,
      { 0x000, 0x001, 0x100, 0x101, 0x102, 0x103 },
      { &cortex_a57_r1p3, &cortex_a57_r1p3, &cortex_a53_r0p4,
        &cortex_a53_r0p4, &cortex_a53_r0p4, &cortex_a53_r0p4 } },
    { "e3", &rcar_gicv2, 2,
      { 0x000, 0x001 },
      { &cortex_a53_r0p4, &cortex_a53_r0p4 } },
    { "v4h", &rcar_gicv3, 4,
      { 0x00000, 0x00100, 0x10000, 0x10100 },
      { &cortex_a76, &cortex_a76, &cortex_a76, &cortex_a76 } },
    { "s4", &rcar_gicv3, 8,
      { 0x00000, 0x00100, 0x10000, 0x10100,
        0x20000, 0x20100, 0x30000, 0x30100 },
      { &cortex_a55, &cortex_a55, &cortex_a55, &cortex_a55,
        &cortex_a55, &cortex_a55, &cortex_a55, &cortex_a55 } },
};

/* Every model rcar-virt accepts under TCG (valid_cpu_types; not "host") */
static const char *const struct_cpus[] = {
    "cortex-a35", "cortex-a53", "cortex-a53-r0p4", "cortex-a55",
    "cortex-a57", "cortex-a57-r1p3", "cortex-a72", "cortex-a76",
    "cortex-a710", "neoverse-n1", "neoverse-n2", "neoverse-v1", "max",
};

/* What one vCPU wrote */
typedef struct Record {
    uint64_t done;
    uint64_t mpidr;
    uint64_t el;
    uint64_t psci;
    uint64_t exc;
    uint64_t val[NENC];
    uint64_t trap[NENC];
} Record;

static bool when_applies(When when, const Platform *p)
{
    switch (when) {
    case ALWAYS:
        return true;
    case NO_EL3:
        return !p->el3;
    case NO_EL2:
        return !p->el2;
    case NO_PMU:
        return !p->pmu;
    case GICV3:
        return p->gicv3;
    }
    g_assert_not_reached();
}

/* Apply the edits of @edits to encoding @enc's @val; note what changed */
static uint64_t apply_edits(uint64_t val, int enc, const Edit *edits,
                            size_t n, const Platform *p, GString *why)
{
    for (size_t i = 0; i < n; i++) {
        const Edit *e = &edits[i];
        uint64_t old;

        if (e->enc != enc || !when_applies(e->when, p)) {
            continue;
        }
        old = extract64(val, e->shift, e->width);
        if (old != e->value) {
            val = deposit64(val, e->shift, e->width, e->value);
            g_string_append_printf(why, " %s %" PRIu64 "->%" PRIu64 " (%s);",
                                   e->field, old, e->value, e->why);
        }
    }
    return val;
}

static uint64_t expected_value(const CoreIds *c, int enc, const Platform *p,
                               GString *why)
{
    uint64_t val = c->val[enc];

    val = apply_edits(val, enc, platform_edits, ARRAY_SIZE(platform_edits),
                      p, why);
    return apply_edits(val, enc, c->quirks, c->nquirks, p, why);
}

static const char *probe_path(void)
{
    const char *path = g_getenv("QTEST_RCAR_ID_PROBE");

    if (!path || !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_test_skip("no ID register probe: build it with "
                    "scripts/build-id-probe.sh in qemu-rcar and set "
                    "QTEST_RCAR_ID_PROBE=.../out/id-probe/id-probe.elf");
        return NULL;
    }
    return path;
}

/*
 * Start QEMU stopped with the probe and @args, list the vCPUs by their
 * MPIDR affinity, let it run and wait until every vCPU has reported.
 * Returns the running QTestState; @rec gets one record per vCPU.
 */
static QTestState *run_probe(const char *path, const char *args,
                             const uint64_t *mpidr, int ncpus, Record *rec)
{
    QTestState *qts = qtest_initf("-machine rcar-virt%s -accel tcg "
                                  "-kernel %s -S", args, path);
    int64_t deadline;
    int left;

    g_assert_cmpint(ncpus, <=, IDP_MAX_CPUS);
    qtest_memset(qts, IDP_RESULTS, 0, ncpus * IDP_RECORD_SIZE);
    qtest_writeq(qts, IDP_PARAMS + IDP_P_NCPUS, ncpus);
    qtest_writeq(qts, IDP_PARAMS + IDP_P_FLAGS, IDP_FLAG_PSCI_ON);
    qtest_writeq(qts, IDP_PARAMS + IDP_P_STRAY, 0);
    qtest_writeq(qts, IDP_PARAMS + IDP_P_EARLY_EXC, 0);
    for (int i = 0; i < ncpus; i++) {
        qtest_writeq(qts, IDP_PARAMS + IDP_P_MPIDR + i * 8, mpidr[i]);
    }
    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");

    deadline = g_get_monotonic_time() + IDP_TIMEOUT_S * G_USEC_PER_SEC;
    do {
        left = 0;
        for (int i = 0; i < ncpus; i++) {
            left += qtest_readq(qts, IDP_RESULTS + i * IDP_RECORD_SIZE +
                                IDP_R_DONE) != IDP_DONE;
        }
        if (left) {
            g_usleep(10 * 1000);
        }
    } while (left && g_get_monotonic_time() < deadline);

    for (int i = 0; i < ncpus; i++) {
        uint64_t raw[IDP_RECORD_USED / 8];
        Record *r = &rec[i];

        qtest_memread(qts, IDP_RESULTS + i * IDP_RECORD_SIZE, raw,
                      sizeof(raw));
        r->done = le64_to_cpu(raw[IDP_R_DONE / 8]);
        r->mpidr = le64_to_cpu(raw[IDP_R_MPIDR / 8]);
        r->el = le64_to_cpu(raw[IDP_R_EL / 8]);
        r->psci = le64_to_cpu(raw[IDP_R_PSCI / 8]);
        r->exc = le64_to_cpu(raw[IDP_R_EXC / 8]);
        for (int e = 0; e < NENC; e++) {
            r->val[e] = le64_to_cpu(raw[IDP_R_VALUE / 8 + e]);
            r->trap[e] = le64_to_cpu(raw[IDP_R_TRAP / 8 + e]);
        }
        if (r->done != IDP_DONE) {
            g_test_message("vCPU %d (MPIDR affinity 0x%" PRIx64 ") did not "
                           "report within %d s; probe words: stray MPIDR "
                           "0x%" PRIx64 ", early exception 0x%" PRIx64
                           ", this vCPU's PSCI CPU_ON result 0x%" PRIx64,
                           i, mpidr[i], IDP_TIMEOUT_S,
                           qtest_readq(qts, IDP_PARAMS + IDP_P_STRAY),
                           qtest_readq(qts, IDP_PARAMS + IDP_P_EARLY_EXC),
                           r->psci);
        }
    }
    g_assert_cmpint(left, ==, 0);
    return qts;
}

/* What every record must show, whatever the core */
static void check_record_common(const Record *r, int i, uint64_t mpidr)
{
    g_assert_cmphex(r->done, ==, IDP_DONE);
    g_assert_cmphex(r->el, ==, CURRENT_EL1);
    g_assert_cmphex(r->mpidr, ==, MPIDR_RES1 | mpidr);
    g_assert_cmphex(r->val[ENC(0, 5)], ==, MPIDR_RES1 | mpidr);
    g_assert_cmphex(r->exc, ==, 0);
    if (i > 0) {
        g_assert_cmphex(r->psci, ==, 0);    /* PSCI_SUCCESS */
    }
}

/* Compare all 64 encodings with @c's table; report and count differences */
static int check_record_core(const Record *r, const CoreIds *c,
                             const Platform *p, const char *what)
{
    int bad = 0;

    for (int enc = 0; enc < NENC; enc++) {
        g_autoptr(GString) why = g_string_new("");
        g_autofree char *name = enc_name(enc);
        uint64_t want, want_trap = 0;

        if (enc == ENC(0, 5)) {
            continue;               /* MPIDR: check_record_common() */
        }
        if (enc_undefined(enc)) {
            want = 0;
            want_trap = IDP_TRAPPED | ESR_IL |
                        ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT);
        } else {
            want = expected_value(c, enc, p, why);
        }
        if (r->val[enc] != want || r->trap[enc] != want_trap) {
            g_test_message("%s: %s: read 0x%016" PRIx64 " (trap 0x%" PRIx64
                           "), expected 0x%016" PRIx64 " (trap 0x%" PRIx64
                           "): %s value 0x%" PRIx64 ",%s", what, name,
                           r->val[enc], r->trap[enc], want, want_trap,
                           c->trm, c->val[enc],
                           why->len ? why->str : " no adjustments");
            bad++;
        }
    }
    return bad;
}

/* (a) One core model on soc=generic (GICv3), one vCPU */
static void test_core(const void *data)
{
    const CoreIds *c = data;
    const char *path = probe_path();
    const uint64_t mpidr = 0;
    g_autofree char *args = NULL;
    QTestState *qts;
    Record rec;

    if (!path) {
        return;
    }
    if (!qtest_has_cpu_model(c->cpu)) {
        g_test_skip("this QEMU has no such CPU model");
        return;
    }
    args = g_strdup_printf(" -cpu %s", c->cpu);
    qts = run_probe(path, args, &mpidr, 1, &rec);
    check_record_common(&rec, 0, mpidr);
    g_assert_cmpint(check_record_core(&rec, c, &rcar_gicv3, c->cpu), ==, 0);
    qtest_quit(qts);
}

/* (b) Every vCPU of a preset shows its own core's table */
static void test_preset(const void *data)
{
    const PresetIds *p = data;
    const char *path = probe_path();
    g_autofree char *args = NULL;
    Record rec[ARRAY_SIZE(p->mpidr)];
    QTestState *qts;
    int bad = 0;

    g_assert_cmpint(p->ncpus, <=, ARRAY_SIZE(rec));
    if (!path) {
        return;
    }
    args = g_strdup_printf(",soc=%s", p->soc);
    qts = run_probe(path, args, p->mpidr, p->ncpus, rec);
    for (int i = 0; i < p->ncpus; i++) {
        g_autofree char *what = g_strdup_printf("soc=%s vCPU %d (%s)",
                                                p->soc, i, p->core[i]->cpu);

        check_record_common(&rec[i], i, p->mpidr[i]);
        bad += check_record_core(&rec[i], p->core[i], p->platform, what);
    }
    g_assert_cmpint(bad, ==, 0);
    qtest_quit(qts);
}

/* The MIDR QEMU gave vCPU 0, from QOM */
static uint64_t qom_midr(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-cpus-fast'}");
    QList *cpus = qdict_get_qlist(resp, "return");
    QDict *cpu = qobject_to(QDict, qlist_peek(cpus));
    QDict *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments':"
                         " {'path': %s, 'property': 'midr'}}",
                         qdict_get_str(cpu, "qom-path"));
    uint64_t midr = qdict_get_int(r, "return");

    qobject_unref(r);
    qobject_unref(resp);
    return midr;
}

/*
 * (c) Any model: nothing traps but CRm=0 op2 1-4 and 7, which trap as the
 * architecture says for this core (EC 0x18 with FEAT_IDST, which
 * ID_AA64MMFR2_EL1.IDS reports, else EC 0x00); unallocated encodings in
 * CRm 1-7 read zero; MIDR_EL1 is QEMU's "midr".
 */
static void test_structure(const void *data)
{
    const char *cpu = data;
    const char *path = probe_path();
    const uint64_t mpidr = 0;
    g_autofree char *args = NULL;
    QTestState *qts;
    Record rec;
    bool idst;
    int bad = 0;

    if (!path) {
        return;
    }
    if (!qtest_has_cpu_model(cpu)) {
        g_test_skip("this QEMU has no such CPU model");
        return;
    }
    args = g_strdup_printf(" -cpu %s", cpu);
    qts = run_probe(path, args, &mpidr, 1, &rec);
    check_record_common(&rec, 0, mpidr);
    g_assert_cmphex(rec.val[ENC(0, 0)], ==, qom_midr(qts));
    idst = extract64(rec.val[ENC(7, 2)], 36, 4) != 0;

    for (int enc = 0; enc < NENC; enc++) {
        g_autofree char *name = enc_name(enc);
        uint64_t want_trap = 0;

        if (enc_undefined(enc)) {
            want_trap = IDP_TRAPPED | (idst ? esr_sysreg_trap(enc) :
                        ESR_IL | ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT));
        }
        if (rec.trap[enc] != want_trap) {
            g_test_message("%s: %s: trap 0x%" PRIx64 ", expected 0x%"
                           PRIx64, cpu, name, rec.trap[enc], want_trap);
            bad++;
        }
        if (!id_names[enc] && rec.val[enc]) {
            g_test_message("%s: unallocated %s reads 0x%" PRIx64
                           ", not 0", cpu, name, rec.val[enc]);
            bad++;
        }
    }
    g_assert_cmpint(bad, ==, 0);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!qtest_has_machine("rcar-virt") || !qtest_has_accel("tcg")) {
        g_test_skip("needs the rcar-virt machine and TCG");
        return g_test_run();
    }
    if (!g_getenv("QTEST_RCAR_ID_PROBE")) {
        g_test_message("QTEST_RCAR_ID_PROBE is not set: every case will "
                       "SKIP; build the probe with scripts/build-id-probe.sh "
                       "and point QTEST_RCAR_ID_PROBE at "
                       "out/id-probe/id-probe.elf");
    }

    for (size_t i = 0; i < ARRAY_SIZE(cores); i++) {
        g_autofree char *name = g_strdup_printf("rcar-id/core/%s",
                                                cores[i]->cpu);

        qtest_add_data_func(name, cores[i], test_core);
    }
    for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
        g_autofree char *name = g_strdup_printf("rcar-id/preset/%s",
                                                presets[i].soc);

        qtest_add_data_func(name, &presets[i], test_preset);
    }
    for (size_t i = 0; i < ARRAY_SIZE(struct_cpus); i++) {
        g_autofree char *name = g_strdup_printf("rcar-id/structure/%s",
                                                struct_cpus[i]);

        qtest_add_data_func(name, struct_cpus[i], test_structure);
    }
    return g_test_run();
}
