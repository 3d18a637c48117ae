/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-idregs: one safe set of Arm ID register values for unlike cores
 *
 * The field tables follow the AArch64 System register descriptions of the
 * Arm ARM (DDI 0487, 2024 issues) and, for the rules, its "Principles of
 * the ID scheme for fields in ID registers".  Linux's
 * arch/arm64/kernel/cpufeature.c makes the same choices for almost every
 * field; where it does not, the table says so.  The interface is in
 * include/hw/arm/rcar-idregs.h.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "hw/arm/rcar-idregs.h"

#define FLD(n, s, w, r, v) \
    { .name = (n), .shift = (s), .width = (w), .rule = (r), .safe = (v) }
/* Most fields are 4-bit, unsigned, and lower is safe */
#define LOWER(n, s)     FLD(n, s, 4, RCAR_IDF_LOWER, 0)
#define SIGNED(n, s)    FLD(n, s, 4, RCAR_IDF_LOWER_SIGNED, 0)
#define HIGHER(n, s)    FLD(n, s, 4, RCAR_IDF_HIGHER, 0)
#define EXACT(n, s, v)  FLD(n, s, 4, RCAR_IDF_EXACT, v)

/* AArch32 ID registers, as AArch64 reads them; bits [63:32] are RES0 */

static const RcarIdField id_pfr0[] = {
    LOWER("State0", 0), LOWER("State1", 4), LOWER("State2", 8),
    LOWER("State3", 12), LOWER("CSV2", 16), LOWER("AMU", 20),
    LOWER("DIT", 24), LOWER("RAS", 28),
};

static const RcarIdField id_pfr1[] = {
    LOWER("ProgMod", 0), LOWER("Security", 4), LOWER("MProgMod", 8),
    LOWER("Virtualization", 12), LOWER("GenTimer", 16),
    LOWER("Sec_frac", 20), LOWER("Virt_frac", 24), LOWER("GIC", 28),
};

static const RcarIdField id_dfr0[] = {
    LOWER("CopDbg", 0), LOWER("CopSDbg", 4), LOWER("MMapDbg", 8),
    LOWER("CopTrc", 12), LOWER("MMapTrc", 16), LOWER("MProfDbg", 20),
    /* As ID_AA64DFR0_EL1.PMUVer */
    EXACT("PerfMon", 24, 0),
    /* Linux leaves TraceFilt out of its table, which zeroes it */
    LOWER("TraceFilt", 28),
};

static const RcarIdField id_mmfr0[] = {
    LOWER("VMSA", 0), LOWER("PMSA", 4),
    /* 0xf: shareability ignored, less than 0 (non-cacheable) */
    SIGNED("OuterShr", 8),
    LOWER("ShareLvl", 12), LOWER("TCM", 16), LOWER("AuxReg", 20),
    LOWER("FCSE", 24), SIGNED("InnerShr", 28),
};

/* ARMv7 cache and TLB maintenance features; all 0 or constant on v8 */
static const RcarIdField id_mmfr1[] = {
    LOWER("L1HvdVA", 0), LOWER("L1UniVA", 4), LOWER("L1HvdSW", 8),
    LOWER("L1UniSW", 12), LOWER("L1Hvd", 16), LOWER("L1Uni", 20),
    LOWER("L1TstCln", 24), LOWER("BPred", 28),
};

static const RcarIdField id_mmfr2[] = {
    LOWER("L1HvdFG", 0), LOWER("L1HvdBG", 4), LOWER("L1HvdRng", 8),
    LOWER("HvdTLB", 12), LOWER("UniTLB", 16), LOWER("MemBarr", 20),
    LOWER("WFIStall", 24), LOWER("HWAccFlg", 28),
};

static const RcarIdField id_mmfr3[] = {
    LOWER("CMaintVA", 0), LOWER("CMaintSW", 4), LOWER("BPMaint", 8),
    LOWER("MaintBcst", 12), LOWER("PAN", 16), LOWER("CohWalk", 20),
    LOWER("CMemSz", 24),
    /*
     * 0x0 supersections supported, 0xf not: signed.  Linux treats the
     * whole register as unsigned, which would keep 0x0 from a mix.
     */
    SIGNED("Supersec", 28),
};

static const RcarIdField id_isar0[] = {
    LOWER("Swap", 0), LOWER("BitCount", 4), LOWER("BitField", 8),
    LOWER("CmpBranch", 12), LOWER("Coproc", 16), LOWER("Debug", 20),
    LOWER("Divide", 24),
};

static const RcarIdField id_isar1[] = {
    LOWER("Endian", 0), LOWER("Except", 4), LOWER("Except_AR", 8),
    LOWER("Extend", 12), LOWER("IfThen", 16), LOWER("Immediate", 20),
    LOWER("Interwork", 24), LOWER("Jazelle", 28),
};

static const RcarIdField id_isar2[] = {
    LOWER("LoadStore", 0), LOWER("MemHint", 4),
    LOWER("MultiAccessInt", 8), LOWER("Mult", 12), LOWER("MultS", 16),
    LOWER("MultU", 20), LOWER("PSR_AR", 24), LOWER("Reversal", 28),
};

static const RcarIdField id_isar3[] = {
    LOWER("Saturate", 0), LOWER("SIMD", 4), LOWER("SVC", 8),
    LOWER("SynchPrim", 12), LOWER("TabBranch", 16), LOWER("T32Copy", 20),
    LOWER("TrueNOP", 24), LOWER("T32EE", 28),
};

static const RcarIdField id_isar4[] = {
    LOWER("Unpriv", 0), LOWER("WithShifts", 4), LOWER("Writeback", 8),
    LOWER("SMC", 12), LOWER("Barrier", 16), LOWER("SynchPrim_frac", 20),
    LOWER("PSR_M", 24), LOWER("SWP_frac", 28),
};

static const RcarIdField id_isar5[] = {
    LOWER("SEVL", 0), LOWER("AES", 4), LOWER("SHA1", 8), LOWER("SHA2", 12),
    LOWER("CRC32", 16), LOWER("RDM", 24),
    /* Linux leaves VCMA out of its table, which zeroes it */
    LOWER("VCMA", 28),
};

static const RcarIdField id_mmfr4[] = {
    /* 1: an external abort on a speculative read may raise SError */
    HIGHER("SpecSEI", 0),
    LOWER("AC2", 4), LOWER("XNX", 8), LOWER("CnP", 12), LOWER("HPDS", 16),
    LOWER("LSM", 20), LOWER("CCIDX", 24), LOWER("EVT", 28),
};

static const RcarIdField id_isar6[] = {
    LOWER("JSCVT", 0), LOWER("DP", 4), LOWER("FHM", 8), LOWER("SB", 12),
    LOWER("SPECRES", 16), LOWER("BF16", 20), LOWER("I8MM", 24),
};

static const RcarIdField mvfr0[] = {
    LOWER("SIMDReg", 0), LOWER("FPSP", 4), LOWER("FPDP", 8),
    LOWER("FPTrap", 12), LOWER("FPDivide", 16), LOWER("FPSqrt", 20),
    LOWER("FPShVec", 24), LOWER("FPRound", 28),
};

static const RcarIdField mvfr1[] = {
    LOWER("FPFtZ", 0), LOWER("FPDNaN", 4), LOWER("SIMDLS", 8),
    LOWER("SIMDInt", 12), LOWER("SIMDSP", 16), LOWER("SIMDHP", 20),
    LOWER("FPHP", 24), LOWER("SIMDFMAC", 28),
};

static const RcarIdField mvfr2[] = {
    LOWER("SIMDMisc", 0), LOWER("FPMisc", 4),
};

static const RcarIdField id_pfr2[] = {
    LOWER("CSV3", 0), LOWER("SSBS", 4), LOWER("RAS_frac", 8),
};

static const RcarIdField id_dfr1[] = {
    /* 0x0 IMPLEMENTATION DEFINED, 0x1 implemented, 0xf not: signed */
    SIGNED("MTPMU", 0),
    LOWER("HPMN0", 4),
};

static const RcarIdField id_mmfr5[] = {
    LOWER("ETS", 0), LOWER("nTLBPA", 4),
};

/* AArch64 feature ID registers */

static const RcarIdField id_aa64pfr0[] = {
    /* 0x1 AArch64 only, 0x2 AArch32 too; 0x0 (EL2, EL3) none */
    LOWER("EL0", 0), LOWER("EL1", 4), LOWER("EL2", 8), LOWER("EL3", 12),
    /* 0xf not implemented, 0x0 implemented, 0x1 with half precision */
    SIGNED("FP", 16), SIGNED("AdvSIMD", 20),
    /* 0 on cores whose GICCDISABLE input is tied high (GIC-400 SoCs) */
    LOWER("GIC", 24),
    LOWER("RAS", 28), LOWER("SVE", 32), LOWER("SEL2", 36),
    LOWER("MPAM", 40), LOWER("AMU", 44), LOWER("DIT", 48),
    /* Not in Linux's table (so zeroed there) */
    LOWER("RME", 52),
    /* 0 only says the core does not disclose: the safe claim */
    LOWER("CSV2", 56), LOWER("CSV3", 60),
};

static const RcarIdField id_aa64pfr1[] = {
    LOWER("BT", 0), LOWER("SSBS", 4), LOWER("MTE", 8), LOWER("RAS_frac", 12),
    LOWER("MPAM_frac", 16), LOWER("SME", 24), LOWER("RNDR_trap", 28),
    LOWER("CSV2_frac", 32), LOWER("NMI", 36),
    /* 0x0 asynchronous faults supported, 0xf not: signed, as in Linux */
    SIGNED("MTE_frac", 40),
    LOWER("GCS", 44), LOWER("THE", 48), LOWER("MTEX", 52), LOWER("DF2", 56),
    LOWER("PFAR", 60),
};

static const RcarIdField id_aa64zfr0[] = {
    /* Meaningful only with ID_AA64PFR0_EL1.SVE, which is lower safe too */
    LOWER("SVEver", 0), LOWER("AES", 4), LOWER("EltPerm", 12),
    LOWER("BitPerm", 16), LOWER("BF16", 20), LOWER("B16B16", 24),
    LOWER("SHA3", 32), LOWER("SM4", 40), LOWER("I8MM", 44),
    LOWER("F16MM", 48), LOWER("F32MM", 52), LOWER("F64MM", 56),
};

static const RcarIdField id_aa64dfr0[] = {
    /*
     * 0x6 v8.0 debug, rising with each version.  Linux uses exact with
     * safe 0x6, which agrees whenever one side is v8.0 (all of R-Car
     * Gen3) but drops e.g. v8.2 + v8.4 to v8.0; lower keeps v8.2.
     */
    LOWER("DebugVer", 0),
    LOWER("TraceVer", 4),
    /*
     * 0xf is an IMPLEMENTATION DEFINED PMU, not a later version.  As in
     * Linux's cpufeature.c: any mismatch means no common PMU, 0.  (KVM's
     * check of a value userspace writes is laxer: lower, with 0xf as 0.)
     */
    EXACT("PMUVer", 8, 0),
    /* Counts minus one: fewer is safe */
    LOWER("BRPs", 12), LOWER("PMSS", 16), LOWER("WRPs", 20),
    LOWER("SEBEP", 24), LOWER("CTX_CMPs", 28), LOWER("PMSVer", 32),
    /* 0x0 implemented, 0xf not: signed, as in Linux */
    SIGNED("DoubleLock", 36),
    LOWER("TraceFilt", 40), LOWER("TraceBuffer", 44),
    /* 0x0 IMPLEMENTATION DEFINED, 0x1 implemented, 0xf not: signed */
    SIGNED("MTPMU", 48),
    LOWER("BRBE", 52), LOWER("ExtTrcBuff", 56), LOWER("HPMN0", 60),
};

/* Linux shows none of this register (it zeroes every field) */
static const RcarIdField id_aa64dfr1[] = {
    /* An identifier, not a capability */
    FLD("SYSPMUID", 0, 8, RCAR_IDF_EXACT, 0),
    /* 0 defers to the ID_AA64DFR0_EL1 count, else count minus one */
    FLD("BRPs", 8, 8, RCAR_IDF_LOWER, 0),
    FLD("WRPs", 16, 8, RCAR_IDF_LOWER, 0),
    FLD("CTX_CMPs", 24, 8, RCAR_IDF_LOWER, 0),
    LOWER("SPMU", 32), LOWER("PMICNTR", 36), LOWER("ABLE", 40),
    LOWER("ITE", 44), LOWER("EBEP", 48), LOWER("DPFZS", 52),
    FLD("ABL_CMPs", 56, 8, RCAR_IDF_LOWER, 0),
};

static const RcarIdField id_aa64isar0[] = {
    LOWER("AES", 4), LOWER("SHA1", 8), LOWER("SHA2", 12), LOWER("CRC32", 16),
    LOWER("Atomic", 20), LOWER("TME", 24), LOWER("RDM", 28),
    LOWER("SHA3", 32), LOWER("SM3", 36), LOWER("SM4", 40), LOWER("DP", 44),
    LOWER("FHM", 48), LOWER("TS", 52), LOWER("TLB", 56), LOWER("RNDR", 60),
};

static const RcarIdField id_aa64isar1[] = {
    LOWER("DPB", 0),
    /*
     * The pointer authentication algorithm: a PAC made on one core must
     * check on the other, so a mismatch leaves none (as Linux).
     */
    EXACT("APA", 4, 0), EXACT("API", 8, 0),
    LOWER("JSCVT", 12), LOWER("FCMA", 16), LOWER("LRCPC", 20),
    LOWER("GPA", 24), LOWER("GPI", 28), LOWER("FRINTTS", 32),
    LOWER("SB", 36), LOWER("SPECRES", 40), LOWER("BF16", 44),
    LOWER("DGH", 48), LOWER("I8MM", 52), LOWER("XS", 56), LOWER("LS64", 60),
};

static const RcarIdField id_aa64isar2[] = {
    LOWER("WFxT", 0), LOWER("RPRES", 4), LOWER("GPA3", 8),
    EXACT("APA3", 12, 0),
    /*
     * BC is an instruction, so lower safe, as current Linux has it;
     * older Linux had it higher safe.
     */
    LOWER("MOPS", 16), LOWER("BC", 20),
    /* Changes how PACs are computed, so like APA3; Linux omits it */
    EXACT("PAC_frac", 24, 0),
    LOWER("CLRBHB", 28), LOWER("SYSREG_128", 32),
    LOWER("SYSINSTR_128", 36), LOWER("PRFMSLC", 40), LOWER("PCDPHINT", 44),
    LOWER("RPRFM", 48), LOWER("CSSC", 52), LOWER("LUT", 56),
    LOWER("ATS1A", 60),
};

static const RcarIdField id_aa64mmfr0[] = {
    /*
     * An encoded size (0x2 40 bits, 0x4 44 bits): the smaller range is
     * safe as long as memory and devices sit below it.
     */
    LOWER("PARange", 0),
    /* 0x0 8 bits, 0x2 16 bits */
    LOWER("ASIDBits", 4),
    LOWER("BigEnd", 8), LOWER("SNSMem", 12), LOWER("BigEndEL0", 16),
    /* Unsigned, unlike its neighbours: 0x0 is "not implemented" */
    LOWER("TGran16", 20),
    /* 0xf not implemented, 0x0 implemented, 0x1 with 52-bit addresses */
    SIGNED("TGran64", 24), SIGNED("TGran4", 28),
    /*
     * Stage 2 granules: 0x0 "as stage 1", 0x1 not, 0x2 yes, 0x3 52-bit.
     * 0x0 does not order with the others; a mismatch is "not", as Linux.
     */
    EXACT("TGran16_2", 32, 1), EXACT("TGran64_2", 36, 1),
    EXACT("TGran4_2", 40, 1),
    LOWER("ExS", 44), LOWER("FGT", 56), LOWER("ECV", 60),
};

static const RcarIdField id_aa64mmfr1[] = {
    LOWER("HAFDBS", 0),
    /* 0x0 8 bits, 0x2 16 bits */
    LOWER("VMIDBits", 4),
    LOWER("VH", 8), LOWER("HPDS", 12), LOWER("LO", 16), LOWER("PAN", 20),
    /* 1: an external abort on a speculative read may raise SError */
    HIGHER("SpecSEI", 24),
    LOWER("XNX", 28), LOWER("TWED", 32), LOWER("ETS", 36), LOWER("HCX", 40),
    LOWER("AFP", 44), LOWER("nTLBPA", 48), LOWER("TIDCP1", 52),
    LOWER("CMOW", 56), LOWER("ECBHB", 60),
};

static const RcarIdField id_aa64mmfr2[] = {
    LOWER("CnP", 0), LOWER("UAO", 4), LOWER("LSM", 8), LOWER("IESB", 12),
    /* 0x0 48-bit, 0x1 52-bit virtual addresses */
    LOWER("VARange", 16),
    /*
     * Selects the CCSIDR_EL1 format rather than adding a feature; with
     * values 0 and 1 only, lower (as Linux) equals exact with safe 0.
     */
    LOWER("CCIDX", 20),
    LOWER("NV", 24), LOWER("ST", 28), LOWER("AT", 32), LOWER("IDS", 36),
    LOWER("FWB", 40), LOWER("TTL", 48), LOWER("BBM", 52), LOWER("EVT", 56),
    LOWER("E0PD", 60),
};

static const RcarIdField id_aa64mmfr3[] = {
    LOWER("TCRX", 0), LOWER("SCTLRX", 4), LOWER("S1PIE", 8),
    LOWER("S2PIE", 12), LOWER("S1POE", 16), LOWER("S2POE", 20),
    LOWER("AIE", 24), LOWER("MEC", 28), LOWER("D128", 32),
    LOWER("D128_2", 36), LOWER("SNERR", 40), LOWER("ANERR", 44),
    LOWER("SDERR", 52), LOWER("ADERR", 56), LOWER("Spec_FPACC", 60),
};

static const RcarIdField ctr_el0[] = {
    /* log2 words of the smallest line: stepping by less is safe */
    LOWER("IminLine", 0),
    /*
     * 0x2 VIPT, 0x3 PIPT (0x0, 0x1 are retired VPIPT and AIVIVT).  PIPT
     * needs less maintenance, so a mix shows the weaker VIPT, as Linux.
     */
    FLD("L1Ip", 14, 2, RCAR_IDF_EXACT, 2),
    LOWER("DminLine", 16),
    /* log2 words of the writeback granule; 0 means "assume the maximum" */
    FLD("ERG", 20, 4, RCAR_IDF_HIGHER_OR_ZERO, 0),
    FLD("CWG", 24, 4, RCAR_IDF_HIGHER_OR_ZERO, 0),
    FLD("IDC", 28, 1, RCAR_IDF_LOWER, 0),
    FLD("DIC", 29, 1, RCAR_IDF_LOWER, 0),
    FLD("RES1", 31, 1, RCAR_IDF_EXACT, 1),
    /* As DminLine, for allocation tags; Linux leaves it out (zeroed) */
    FLD("TminLine", 32, 6, RCAR_IDF_LOWER, 0),
};

#define REG(n, o0, o1, cn, cm, o2, f) \
    { (n), (o0), (o1), (cn), (cm), (o2), ARRAY_SIZE(f), (f) }

/* Ascending encoding order */
static const RcarIdReg idregs[] = {
    REG("ID_PFR0_EL1",      3, 0, 0, 1, 0, id_pfr0),
    REG("ID_PFR1_EL1",      3, 0, 0, 1, 1, id_pfr1),
    REG("ID_DFR0_EL1",      3, 0, 0, 1, 2, id_dfr0),
    REG("ID_MMFR0_EL1",     3, 0, 0, 1, 4, id_mmfr0),
    REG("ID_MMFR1_EL1",     3, 0, 0, 1, 5, id_mmfr1),
    REG("ID_MMFR2_EL1",     3, 0, 0, 1, 6, id_mmfr2),
    REG("ID_MMFR3_EL1",     3, 0, 0, 1, 7, id_mmfr3),
    REG("ID_ISAR0_EL1",     3, 0, 0, 2, 0, id_isar0),
    REG("ID_ISAR1_EL1",     3, 0, 0, 2, 1, id_isar1),
    REG("ID_ISAR2_EL1",     3, 0, 0, 2, 2, id_isar2),
    REG("ID_ISAR3_EL1",     3, 0, 0, 2, 3, id_isar3),
    REG("ID_ISAR4_EL1",     3, 0, 0, 2, 4, id_isar4),
    REG("ID_ISAR5_EL1",     3, 0, 0, 2, 5, id_isar5),
    REG("ID_MMFR4_EL1",     3, 0, 0, 2, 6, id_mmfr4),
    REG("ID_ISAR6_EL1",     3, 0, 0, 2, 7, id_isar6),
    REG("MVFR0_EL1",        3, 0, 0, 3, 0, mvfr0),
    REG("MVFR1_EL1",        3, 0, 0, 3, 1, mvfr1),
    REG("MVFR2_EL1",        3, 0, 0, 3, 2, mvfr2),
    REG("ID_PFR2_EL1",      3, 0, 0, 3, 4, id_pfr2),
    REG("ID_DFR1_EL1",      3, 0, 0, 3, 5, id_dfr1),
    REG("ID_MMFR5_EL1",     3, 0, 0, 3, 6, id_mmfr5),
    REG("ID_AA64PFR0_EL1",  3, 0, 0, 4, 0, id_aa64pfr0),
    REG("ID_AA64PFR1_EL1",  3, 0, 0, 4, 1, id_aa64pfr1),
    REG("ID_AA64ZFR0_EL1",  3, 0, 0, 4, 4, id_aa64zfr0),
    REG("ID_AA64DFR0_EL1",  3, 0, 0, 5, 0, id_aa64dfr0),
    REG("ID_AA64DFR1_EL1",  3, 0, 0, 5, 1, id_aa64dfr1),
    REG("ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0, id_aa64isar0),
    REG("ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1, id_aa64isar1),
    REG("ID_AA64ISAR2_EL1", 3, 0, 0, 6, 2, id_aa64isar2),
    REG("ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0, id_aa64mmfr0),
    REG("ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1, id_aa64mmfr1),
    REG("ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2, id_aa64mmfr2),
    REG("ID_AA64MMFR3_EL1", 3, 0, 0, 7, 3, id_aa64mmfr3),
    REG("CTR_EL0",          3, 3, 0, 0, 1, ctr_el0),
};

const RcarIdReg *rcar_idregs(size_t *count)
{
    *count = ARRAY_SIZE(idregs);
    return idregs;
}

const RcarIdReg *rcar_idreg_find(uint8_t op0, uint8_t op1, uint8_t crn,
                                 uint8_t crm, uint8_t op2)
{
    for (size_t i = 0; i < ARRAY_SIZE(idregs); i++) {
        const RcarIdReg *r = &idregs[i];

        if (r->op0 == op0 && r->op1 == op1 && r->crn == crn &&
            r->crm == crm && r->op2 == op2) {
            return r;
        }
    }
    return NULL;
}

const RcarIdReg *rcar_idreg_find_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(idregs); i++) {
        if (!strcmp(idregs[i].name, name)) {
            return &idregs[i];
        }
    }
    return NULL;
}

static uint64_t field_get(const RcarIdField *f, uint64_t v)
{
    return extract64(v, f->shift, f->width);
}

/* The value of one field that is safe for both @a and @b */
static uint64_t field_safe(const RcarIdField *f, uint64_t a, uint64_t b)
{
    if (a == b) {
        return a;
    }
    switch (f->rule) {
    case RCAR_IDF_LOWER:
        return MIN(a, b);
    case RCAR_IDF_LOWER_SIGNED:
        return sextract64(a, 0, f->width) < sextract64(b, 0, f->width) ?
               a : b;
    case RCAR_IDF_HIGHER:
        return MAX(a, b);
    case RCAR_IDF_HIGHER_OR_ZERO:
        return a && b ? MAX(a, b) : 0;
    case RCAR_IDF_EXACT:
        return f->safe;
    }
    g_assert_not_reached();
}

/* The bits of @reg that no field covers */
static uint64_t uncovered_mask(const RcarIdReg *reg)
{
    uint64_t covered = 0;

    for (unsigned int i = 0; i < reg->nfields; i++) {
        covered |= MAKE_64BIT_MASK(reg->fields[i].shift,
                                   reg->fields[i].width);
    }
    return ~covered;
}

/*
 * Uncovered bits, nibble by nibble: kept where @a and @b agree, else 0.
 * Nibbles because unknown fields (RES0 here, defined in a later Arm ARM)
 * are 4-bit, and a field is only safe whole.
 */
static uint64_t uncovered_safe(const RcarIdReg *reg, uint64_t a, uint64_t b)
{
    uint64_t unknown = uncovered_mask(reg);
    uint64_t result = 0;

    for (int shift = 0; shift < 64; shift += 4) {
        uint64_t m = unknown & MAKE_64BIT_MASK(shift, 4);

        if (!((a ^ b) & m)) {
            result |= a & m;
        }
    }
    return result;
}

uint64_t rcar_idreg_safe(const RcarIdReg *reg, uint64_t a, uint64_t b)
{
    uint64_t result = uncovered_safe(reg, a, b);

    for (unsigned int i = 0; i < reg->nfields; i++) {
        const RcarIdField *f = &reg->fields[i];

        result = deposit64(result, f->shift, f->width,
                           field_safe(f, field_get(f, a), field_get(f, b)));
    }
    return result;
}

uint64_t rcar_idreg_safe_n(const RcarIdReg *reg, const uint64_t *vals,
                           size_t n)
{
    uint64_t result;

    g_assert(n >= 1);
    result = vals[0];
    for (size_t i = 1; i < n; i++) {
        result = rcar_idreg_safe(reg, result, vals[i]);
    }
    return result;
}

bool rcar_idreg_fits(const RcarIdReg *reg, uint64_t want, uint64_t limit,
                     const char **bad_field)
{
    uint64_t unknown = uncovered_mask(reg);
    const char *bad = NULL;

    for (unsigned int i = 0; i < reg->nfields && !bad; i++) {
        const RcarIdField *f = &reg->fields[i];
        uint64_t w = field_get(f, want);

        if (field_safe(f, w, field_get(f, limit)) != w) {
            bad = f->name;
        }
    }
    if (!bad && uncovered_safe(reg, want, limit) != (want & unknown)) {
        bad = "RES0";
    }
    if (bad_field) {
        *bad_field = bad;
    }
    return !bad;
}

char *rcar_idreg_describe_diff(const RcarIdReg *reg, uint64_t a, uint64_t b)
{
    GString *s = g_string_new("");
    uint64_t unknown = uncovered_mask(reg);

    for (unsigned int i = 0; i < reg->nfields; i++) {
        const RcarIdField *f = &reg->fields[i];
        uint64_t fa = field_get(f, a), fb = field_get(f, b);

        if (fa != fb) {
            g_string_append_printf(s, "%s%s 0x%" PRIx64 " -> 0x%" PRIx64,
                                   s->len ? ", " : "", f->name, fa, fb);
        }
    }
    if ((a ^ b) & unknown) {
        g_string_append_printf(s, "%sRES0 0x%" PRIx64 " -> 0x%" PRIx64,
                               s->len ? ", " : "", a & unknown, b & unknown);
    }
    return g_string_free(s, false);
}
