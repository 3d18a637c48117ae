/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of hw/arm/rcar-idregs.c: combining the ID registers of unlike
 * Arm cores into one safe set, over the reset values the Arm TRMs give
 * for the cores of R-Car H3 (Cortex-A57 + A53), V4H (A76) and S4 (A55).
 */

#include "qemu/osdep.h"
#include "hw/arm/rcar-idregs.h"

/* One register on two cores, and the safe value worked out by hand */
typedef struct Pair {
    const char *reg;
    uint64_t a, b;
    uint64_t safe;
} Pair;

/*
 * Cortex-A57 r1p3 (TRM DDI 0488H, 4.3 "AArch64 register descriptions")
 * and Cortex-A53 r0p4 (TRM DDI 0500J, 4.3), the cores of R-Car H3 ES3.0;
 * the same values as QEMU's cortex-a57/a53 (target/arm/cpu64.c).
 * ID_AA64PFR0_EL1.GIC reads 0 with GICCDISABLE tied high, as it is beside
 * a GIC-400.  ID_AA64ISAR0_EL1 is with the Cryptographic Extension
 * (0x00010000 without it; R-Car H3's option is not in a public source).
 * ID_ISAR6_EL1 is RAZ on v8.0 cores.
 */
static const Pair h3[] = {
    { "ID_PFR0_EL1", 0x00000131, 0x00000131, 0x00000131 },
    { "ID_PFR1_EL1", 0x00011011, 0x00011011, 0x00011011 },
    { "ID_DFR0_EL1", 0x03010066, 0x03010066, 0x03010066 },
    { "ID_MMFR0_EL1", 0x10101105, 0x10101105, 0x10101105 },
    { "ID_MMFR1_EL1", 0x40000000, 0x40000000, 0x40000000 },
    { "ID_MMFR2_EL1", 0x01260000, 0x01260000, 0x01260000 },
    { "ID_MMFR3_EL1", 0x02102211, 0x02102211, 0x02102211 },
    { "ID_ISAR0_EL1", 0x02101110, 0x02101110, 0x02101110 },
    { "ID_ISAR1_EL1", 0x13112111, 0x13112111, 0x13112111 },
    { "ID_ISAR2_EL1", 0x21232042, 0x21232042, 0x21232042 },
    { "ID_ISAR3_EL1", 0x01112131, 0x01112131, 0x01112131 },
    { "ID_ISAR4_EL1", 0x00011142, 0x00011142, 0x00011142 },
    { "ID_ISAR5_EL1", 0x00011121, 0x00011121, 0x00011121 },
    { "ID_ISAR6_EL1", 0, 0, 0 },
    { "MVFR0_EL1", 0x10110222, 0x10110222, 0x10110222 },
    { "MVFR1_EL1", 0x12111111, 0x12111111, 0x12111111 },
    { "MVFR2_EL1", 0x00000043, 0x00000043, 0x00000043 },
    { "ID_AA64PFR0_EL1", 0x00002222, 0x00002222, 0x00002222 },
    { "ID_AA64DFR0_EL1", 0x10305106, 0x10305106, 0x10305106 },
    { "ID_AA64ISAR0_EL1", 0x00011120, 0x00011120, 0x00011120 },
    /* PARange 0x4 (44 bits) vs 0x2 (40 bits): lower, 0x2 */
    { "ID_AA64MMFR0_EL1", 0x00001124, 0x00001122, 0x00001122 },
    /* L1Ip 0x3 (PIPT) vs 0x2 (VIPT): exact, else VIPT 0x2 */
    { "CTR_EL0", 0x8444c004, 0x84448004, 0x84448004 },
};

/*
 * Cortex-A76 r4p1 (TRM 100798_0401, B2 "AArch64 system registers") and
 * Cortex-A55 r2p0 (TRM 100442_0200, B2), as QEMU's models
 * (target/arm/tcg/cpu64.c); A76's ID_AA64DFR0_EL1 and ID_AA64MMFR0_EL1
 * checked against the r3p0 TRM pages B2-216 and B2-222.  V4H and S4 each
 * have one of the two, so a pair is what a vCPU model meets on the other
 * SoC, not a host.  GIC fields are 0, as the TRMs give them before the
 * GICCDISABLE input.  ID_AA64ISAR1 (LRCPC 1), MMFR1, MMFR2 and the PMUVer
 * in DFR0 (0x4, PMUv3 for v8.1) are the same on both.
 */
static const Pair v4h_s4[] = {
    { "ID_PFR0_EL1", 0x10010131, 0x10010131, 0x10010131 },
    /*
     * A76 has no AArch32 at EL1: ProgMod, Security, Virtualization 0 vs
     * A55's 1 -> 0; GenTimer 1 both.
     */
    { "ID_PFR1_EL1", 0x00010000, 0x00011011, 0x00010000 },
    { "ID_DFR0_EL1", 0x04010088, 0x04010088, 0x04010088 },
    { "ID_MMFR0_EL1", 0x10201105, 0x10201105, 0x10201105 },
    { "ID_MMFR1_EL1", 0x40000000, 0x40000000, 0x40000000 },
    { "ID_MMFR2_EL1", 0x01260000, 0x01260000, 0x01260000 },
    { "ID_MMFR3_EL1", 0x02122211, 0x02122211, 0x02122211 },
    { "ID_ISAR0_EL1", 0x02101110, 0x02101110, 0x02101110 },
    { "ID_ISAR1_EL1", 0x13112111, 0x13112111, 0x13112111 },
    { "ID_ISAR2_EL1", 0x21232042, 0x21232042, 0x21232042 },
    { "ID_ISAR3_EL1", 0x01112131, 0x01112131, 0x01112131 },
    /* SMC [15:12] 0 (no AArch32 EL1) vs 1 -> 0 */
    { "ID_ISAR4_EL1", 0x00010142, 0x00011142, 0x00010142 },
    { "ID_ISAR5_EL1", 0x01011121, 0x01011121, 0x01011121 },
    { "ID_MMFR4_EL1", 0x00021110, 0x00021110, 0x00021110 },
    { "ID_ISAR6_EL1", 0x00000010, 0x00000010, 0x00000010 },
    { "MVFR0_EL1", 0x10110222, 0x10110222, 0x10110222 },
    { "MVFR1_EL1", 0x13211111, 0x13211111, 0x13211111 },
    { "MVFR2_EL1", 0x00000043, 0x00000043, 0x00000043 },
    { "ID_PFR2_EL1", 0x00000011, 0x00000011, 0x00000011 },
    /*
     * EL0 2/2 -> 2; EL1, EL2, EL3 1 (AArch64 only) vs 2 -> 1; FP, AdvSIMD
     * 1/1; GIC 0/0; RAS 1/1; CSV2 [59:56], CSV3 [63:60] 1 vs 0 -> 0.
     */
    { "ID_AA64PFR0_EL1", 0x1100000010111112ULL, 0x0000000010112222ULL,
      0x0000000010111112ULL },
    { "ID_AA64PFR1_EL1", 0x00000010, 0x00000010, 0x00000010 },
    { "ID_AA64DFR0_EL1", 0x10305408, 0x10305408, 0x10305408 },
    { "ID_AA64ISAR0_EL1", 0x0000100010211120ULL, 0x0000100010211120ULL,
      0x0000100010211120ULL },
    { "ID_AA64ISAR1_EL1", 0x00100001, 0x00100001, 0x00100001 },
    { "ID_AA64MMFR0_EL1", 0x00101122, 0x00101122, 0x00101122 },
    { "ID_AA64MMFR1_EL1", 0x10212122, 0x10212122, 0x10212122 },
    { "ID_AA64MMFR2_EL1", 0x00001011, 0x00001011, 0x00001011 },
    /* As on H3: L1Ip PIPT vs VIPT -> VIPT */
    { "CTR_EL0", 0x8444c004, 0x84448004, 0x84448004 },
};

static const RcarIdReg *reg(const char *name)
{
    const RcarIdReg *r = rcar_idreg_find_name(name);

    g_assert_nonnull(r);
    return r;
}

/* safe() must give @p->safe both ways round */
static void check_pair(const Pair *p)
{
    uint64_t ab = rcar_idreg_safe(reg(p->reg), p->a, p->b);
    uint64_t ba = rcar_idreg_safe(reg(p->reg), p->b, p->a);

    if (ab != p->safe || ba != p->safe) {
        g_test_message("%s: safe(0x%" PRIx64 ", 0x%" PRIx64 ") gives 0x%"
                       PRIx64 " and 0x%" PRIx64 " reversed, not 0x%" PRIx64,
                       p->reg, p->a, p->b, ab, ba, p->safe);
        g_test_fail();
    }
}

static void check_pairs(const Pair *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check_pair(&pairs[i]);
    }
}

static void test_table(void)
{
    size_t n;
    const RcarIdReg *regs = rcar_idregs(&n);

    /* 21 AArch32, ID_AA64PFR0/1, ZFR0, DFR0/1, ISAR0-2, MMFR0-3, CTR_EL0 */
    g_assert_cmpuint(n, ==, 34);
    for (size_t i = 0; i < n; i++) {
        const RcarIdReg *r = &regs[i];
        unsigned int end = 0;

        g_assert_true(g_str_has_suffix(r->name, "_EL1") ||
                      g_str_has_suffix(r->name, "_EL0"));
        g_assert_true(rcar_idreg_find(r->op0, r->op1, r->crn, r->crm,
                                      r->op2) == r);
        g_assert_true(rcar_idreg_find_name(r->name) == r);
        if (i) {
            const RcarIdReg *p = &regs[i - 1];
            uint32_t enc = r->op0 << 16 | r->op1 << 12 | r->crn << 8 |
                           r->crm << 4 | r->op2;
            uint32_t prev = p->op0 << 16 | p->op1 << 12 | p->crn << 8 |
                            p->crm << 4 | p->op2;

            g_assert_cmphex(enc, >, prev);
        }
        g_assert_cmpuint(r->nfields, >, 0);
        for (unsigned int j = 0; j < r->nfields; j++) {
            const RcarIdField *f = &r->fields[j];

            if (f->shift < end) {
                g_test_message("%s.%s overlaps or is out of order", r->name,
                               f->name);
                g_test_fail();
            }
            end = f->shift + f->width;
            g_assert_cmpuint(f->width, >=, 1);
            g_assert_cmpuint(f->width, <=, 8);
            g_assert_cmpuint(end, <=, 64);
            g_assert_cmphex(f->safe >> f->width, ==, 0);
            g_assert_true(f->rule == RCAR_IDF_EXACT || f->safe == 0);
            g_assert_cmpuint(strlen(f->name), >, 0);
            for (unsigned int k = 0; k < j; k++) {
                g_assert_cmpstr(r->fields[k].name, !=, f->name);
            }
        }
    }
}

static void test_find(void)
{
    const RcarIdReg *mmfr0 = rcar_idreg_find(3, 0, 0, 7, 0);
    const RcarIdReg *ctr = rcar_idreg_find(3, 3, 0, 0, 1);

    g_assert_nonnull(mmfr0);
    g_assert_cmpstr(mmfr0->name, ==, "ID_AA64MMFR0_EL1");
    g_assert_cmpstr(mmfr0->fields[0].name, ==, "PARange");
    g_assert_nonnull(ctr);
    g_assert_cmpstr(ctr->name, ==, "CTR_EL0");
    g_assert_true(rcar_idreg_find_name("ID_AA64MMFR0_EL1") == mmfr0);
    /* ID_AA64FPFR0_EL1 and MIDR_EL1 are not in the table */
    g_assert_null(rcar_idreg_find(3, 0, 0, 4, 7));
    g_assert_null(rcar_idreg_find_name("MIDR_EL1"));
    g_assert_null(rcar_idreg_find_name("id_aa64mmfr0_el1"));
}

static void test_h3(void)
{
    check_pairs(h3, ARRAY_SIZE(h3));
}

static void test_v4h_s4(void)
{
    check_pairs(v4h_s4, ARRAY_SIZE(v4h_s4));
}

static void test_signed(void)
{
    static const Pair cases[] = {
        /*
         * A Cortex-A53 built without FP/SIMD (FP, AdvSIMD 0xf) against
         * A55 (FP, AdvSIMD 0x1 with half precision; RAS 1): -1 < 1, so
         * 0xf, where an unsigned minimum would wrongly give 0x1.  RAS
         * 0 vs 1 -> 0.
         */
        { "ID_AA64PFR0_EL1", 0x00ff2222, 0x10112222, 0x00ff2222 },
        /* A53 (AdvSIMD, FP 0x0) vs A55 (0x1): 0x0 */
        { "ID_AA64PFR0_EL1", 0x00002222, 0x10112222, 0x00002222 },
        /*
         * A57 vs A76: PARange 0x4 vs 0x2 -> 0x2; TGran16 [23:20] is
         * unsigned with 0 = none: 0x0 vs 0x1 -> 0x0.
         */
        { "ID_AA64MMFR0_EL1", 0x00001124, 0x00101122, 0x00001122 },
        /*
         * Architected TGran16 values (0-2) order the same either way;
         * reserved 0xf shows it is read unsigned, unlike TGran4: 0x1.
         */
        { "ID_AA64MMFR0_EL1", 0x00f01122, 0x00101122, 0x00101122 },
        /* TGran4 0x1 (52-bit) vs 0x0 -> 0x0; 0xf (none) vs 0x1 -> 0xf */
        { "ID_AA64MMFR0_EL1", 0x10001122, 0x00001122, 0x00001122 },
        { "ID_AA64MMFR0_EL1", 0xf0001122, 0x10001122, 0xf0001122 },
        /* TGran64 [27:24] 0xf vs 0x0 -> 0xf */
        { "ID_AA64MMFR0_EL1", 0x0f001122, 0x00001122, 0x0f001122 },
        /* ID_MMFR3.Supersec 0xf (none) vs 0x0 -> 0xf (Linux: 0x0) */
        { "ID_MMFR3_EL1", 0xf2102211, 0x02102211, 0xf2102211 },
        /* ID_MMFR0.OuterShr [11:8] 0xf (ignored) vs 0x1 -> 0xf */
        { "ID_MMFR0_EL1", 0x10101f05, 0x10101105, 0x10101f05 },
    };

    check_pairs(cases, ARRAY_SIZE(cases));
}

static void test_higher(void)
{
    static const Pair cases[] = {
        /* CTR_EL0.CWG [27:24] 4 vs 5 -> 5: a larger granule is safe */
        { "CTR_EL0", 0x84448004, 0x85448004, 0x85448004 },
        /* CWG 0 ("assume the maximum") beats any other value */
        { "CTR_EL0", 0x85448004, 0x80448004, 0x80448004 },
        /* ERG [23:20] 4 vs 5 -> 5; 4 vs 0 -> 0 */
        { "CTR_EL0", 0x84448004, 0x84548004, 0x84548004 },
        { "CTR_EL0", 0x84448004, 0x84048004, 0x84048004 },
        /* A76's ID_AA64MMFR1, SpecSEI [27:24] 0 vs 1 -> 1 */
        { "ID_AA64MMFR1_EL1", 0x10212122, 0x11212122, 0x11212122 },
    };

    check_pairs(cases, ARRAY_SIZE(cases));
}

static void test_exact(void)
{
    static const Pair cases[] = {
        /*
         * L1Ip 0x3 (PIPT) vs 0x1 (AIVIVT) -> the safe 0x2 (VIPT), which
         * is neither the lower nor the higher.
         */
        { "CTR_EL0", 0x8444c004, 0x84444004, 0x84448004 },
        /* RES1 bit 31 1 vs 0 -> its safe 1 */
        { "CTR_EL0", 0x84448004, 0x04448004, 0x84448004 },
        /* ID_AA64ISAR1.APA [7:4] 1 vs 3 -> 0, not the lower 1 */
        { "ID_AA64ISAR1_EL1", 0x00100011, 0x00100031, 0x00100001 },
        /* A57 PMUVer 0x1 vs 0xf (IMPLEMENTATION DEFINED) -> 0 */
        { "ID_AA64DFR0_EL1", 0x10305106, 0x10305f06, 0x10305006 },
        /*
         * A57 vs A76: DebugVer 0x6 vs 0x8 -> 0x6 (lower); PMUVer 0x1 vs
         * 0x4 -> 0 (exact, as Linux); BRPs 5, WRPs 3, CTX_CMPs 1 both.
         */
        { "ID_AA64DFR0_EL1", 0x10305106, 0x10305408, 0x10305006 },
        /* ID_DFR0.PerfMon [27:24] 0x3 vs 0x4 -> 0 */
        { "ID_DFR0_EL1", 0x03010066, 0x04010088, 0x00010066 },
        /* TGran4_2 [43:40] 0x2 (yes) vs 0x0 (as stage 1) -> 0x1 (no) */
        { "ID_AA64MMFR0_EL1", 0x0000020000001122ULL, 0x00001122,
          0x0000010000001122ULL },
    };

    check_pairs(cases, ARRAY_SIZE(cases));
}

static void test_unknown_bits(void)
{
    static const Pair cases[] = {
        /* ID_AA64ZFR0 [39:36] is RES0: 1 vs 0 -> 0; 1 vs 1 kept */
        { "ID_AA64ZFR0_EL1", 0x0000001000000000ULL, 0, 0 },
        { "ID_AA64ZFR0_EL1", 0x0000001000000000ULL, 0x0000001000000000ULL,
          0x0000001000000000ULL },
        /*
         * ID_PFR0 [35:32] 0x3 vs 0x1: a nibble is one unknown field, so
         * 0 (a bitwise AND would keep 0x1).
         */
        { "ID_PFR0_EL1", 0x0000000300000131ULL, 0x0000000100000131ULL,
          0x00000131 },
        /* CTR_EL0 bit 30 alone differs, beside RES1, DIC, IDC: 0 */
        { "CTR_EL0", 0xc4448004, 0x84448004, 0x84448004 },
        { "CTR_EL0", 0xc4448004, 0xc4448004, 0xc4448004 },
    };

    check_pairs(cases, ARRAY_SIZE(cases));
}

static void test_safe_n(void)
{
    /* R-Car H3: CPUs 0-3 A57, 4-7 A53 */
    static const uint64_t mmfr0[] = {
        0x1124, 0x1124, 0x1124, 0x1124, 0x1122, 0x1122, 0x1122, 0x1122,
    };
    static const uint64_t ctr[] = { 0x84448004, 0x8444c004, 0x8444c004 };
    const RcarIdReg *m = reg("ID_AA64MMFR0_EL1");
    const RcarIdReg *c = reg("CTR_EL0");

    g_assert_cmphex(rcar_idreg_safe_n(m, mmfr0, 8), ==, 0x1122);
    g_assert_cmphex(rcar_idreg_safe_n(m, mmfr0, 4), ==, 0x1124);
    g_assert_cmphex(rcar_idreg_safe_n(c, ctr, 3), ==, 0x84448004);
    g_assert_cmphex(rcar_idreg_safe_n(c, &ctr[1], 2), ==, 0x8444c004);
}

static void test_fits(void)
{
    static const struct {
        const char *reg;
        uint64_t want, limit;
        const char *bad;        /* NULL: it fits */
    } checks[] = {
        /* A57's 44-bit PARange is more than an A53 backs */
        { "ID_AA64MMFR0_EL1", 0x1124, 0x1122, "PARange" },
        { "ID_AA64MMFR0_EL1", 0x1122, 0x1124, NULL },
        /*
         * QEMU's cortex-a57 shows PIPT, which the H3's common view (VIPT)
         * cannot back; an A53's VIPT fits an A57.
         */
        { "CTR_EL0", 0x8444c004, 0x84448004, "L1Ip" },
        { "CTR_EL0", 0x84448004, 0x8444c004, NULL },
        /*
         * -cpu cortex-a55 on a V4H: A55 has AArch32 EL1 (0x2), A76 not
         * (EL0 is 0x2 on both, so EL1 is the first to fail).
         */
        { "ID_AA64PFR0_EL1", 0x10112222, 0x1100000010111112ULL, "EL1" },
        { "ID_AA64PFR0_EL1", 0x1100000010111112ULL, 0x10112222, "CSV2" },
        /* Showing a larger writeback granule than the host's is fine */
        { "CTR_EL0", 0x85448004, 0x84448004, NULL },
        { "CTR_EL0", 0x84448004, 0x85448004, "CWG" },
        { "CTR_EL0", 0x80448004, 0x84448004, NULL },
        { "CTR_EL0", 0x84448004, 0x80448004, "CWG" },
        /* No FP may be shown over FP, not the reverse */
        { "ID_AA64PFR0_EL1", 0x00ff2222, 0x00002222, NULL },
        { "ID_AA64PFR0_EL1", 0x00002222, 0x00ff2222, "FP" },
        /* Exact: equal, or the safe value */
        { "ID_AA64MMFR0_EL1", 0x0000010000001122ULL,
          0x0000020000001122ULL, NULL },
        { "ID_AA64MMFR0_EL1", 0x0000020000001122ULL, 0x00001122,
          "TGran4_2" },
        /* Unknown bits: 0 or as the host */
        { "ID_PFR0_EL1", 0x0000000100000131ULL, 0x00000131, "RES0" },
        { "ID_PFR0_EL1", 0x00000131, 0x0000000100000131ULL, NULL },
    };
    const char *bad = "unset";

    for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
        bool fits = rcar_idreg_fits(reg(checks[i].reg), checks[i].want,
                                    checks[i].limit, &bad);

        if (fits != !checks[i].bad || g_strcmp0(bad, checks[i].bad)) {
            g_test_message("case %zu: %s fits %d bad %s, expected %s", i,
                           checks[i].reg, fits, bad ? bad : "NULL",
                           checks[i].bad ? checks[i].bad : "NULL");
            g_test_fail();
        }
    }
    /* bad_field may be NULL */
    g_assert_false(rcar_idreg_fits(reg("ID_AA64MMFR0_EL1"), 0x1124, 0x1122,
                                   NULL));
}

static void test_describe_diff(void)
{
    const RcarIdReg *pfr0 = reg("ID_AA64PFR0_EL1");
    g_autofree char *mmfr0 = rcar_idreg_describe_diff(
        reg("ID_AA64MMFR0_EL1"), 0x1124, 0x1122);
    g_autofree char *a76_a55 = rcar_idreg_describe_diff(
        pfr0, 0x1100000010111112ULL, 0x10112222);
    g_autofree char *ctr = rcar_idreg_describe_diff(
        reg("CTR_EL0"), 0xc444c004, 0x84448004);
    g_autofree char *res0 = rcar_idreg_describe_diff(
        reg("ID_PFR0_EL1"), 0x0000000300000131ULL, 0x131);
    g_autofree char *same = rcar_idreg_describe_diff(pfr0, 0x2222, 0x2222);

    g_assert_cmpstr(mmfr0, ==, "PARange 0x4 -> 0x2");
    g_assert_cmpstr(a76_a55, ==, "EL1 0x1 -> 0x2, EL2 0x1 -> 0x2, "
                    "EL3 0x1 -> 0x2, CSV2 0x1 -> 0x0, CSV3 0x1 -> 0x0");
    /* Bit 30 is RES0 */
    g_assert_cmpstr(ctr, ==, "L1Ip 0x3 -> 0x2, RES0 0x40000000 -> 0x0");
    g_assert_cmpstr(res0, ==, "RES0 0x300000000 -> 0x0");
    g_assert_cmpstr(same, ==, "");
}

static uint64_t rand64(void)
{
    return (uint64_t)g_test_rand_int() << 32 | (uint32_t)g_test_rand_int();
}

/*
 * Laws every rule must obey, for every register: safe(a, a) = a,
 * commutative, associative, idempotent (safe(safe(a, b), b) =
 * safe(a, b)), the result fits under both inputs, and fits(w, l) is
 * exactly safe(w, l) == w.  Over the real values above and random ones
 * (reproduce a failure with --seed).
 */
static void test_laws(void)
{
    uint64_t pool[ARRAY_SIZE(h3) * 2 + ARRAY_SIZE(v4h_s4) * 2 + 26];
    size_t n = 0, nregs;
    const RcarIdReg *regs = rcar_idregs(&nregs);

    for (size_t i = 0; i < ARRAY_SIZE(h3); i++) {
        pool[n++] = h3[i].a;
        pool[n++] = h3[i].b;
    }
    for (size_t i = 0; i < ARRAY_SIZE(v4h_s4); i++) {
        pool[n++] = v4h_s4[i].a;
        pool[n++] = v4h_s4[i].b;
    }
    pool[n++] = 0;
    pool[n++] = UINT64_MAX;
    while (n < ARRAY_SIZE(pool)) {
        pool[n++] = rand64();
    }

    for (size_t r = 0; r < nregs; r++) {
        const RcarIdReg *reg = &regs[r];

        for (size_t i = 0; i < n; i++) {
            uint64_t a = pool[i];

            g_assert_cmphex(rcar_idreg_safe(reg, a, a), ==, a);
            g_assert_true(rcar_idreg_fits(reg, a, a, NULL));
            for (size_t j = 0; j < n; j++) {
                uint64_t b = pool[j];
                uint64_t ab = rcar_idreg_safe(reg, a, b);
                uint64_t c = pool[(i * 7 + j * 3) % n];

                g_assert_cmphex(ab, ==, rcar_idreg_safe(reg, b, a));
                g_assert_cmphex(rcar_idreg_safe(reg, ab, b), ==, ab);
                g_assert_cmphex(rcar_idreg_safe(reg, ab, c), ==,
                                rcar_idreg_safe(reg, a,
                                                rcar_idreg_safe(reg, b, c)));
                g_assert_true(rcar_idreg_fits(reg, ab, a, NULL));
                g_assert_true(rcar_idreg_fits(reg, ab, b, NULL));
                g_assert_true(rcar_idreg_fits(reg, a, b, NULL) == (ab == a));
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcar-idregs/table", test_table);
    g_test_add_func("/rcar-idregs/find", test_find);
    g_test_add_func("/rcar-idregs/real/h3-a57-a53", test_h3);
    g_test_add_func("/rcar-idregs/real/a76-a55", test_v4h_s4);
    g_test_add_func("/rcar-idregs/rule/signed", test_signed);
    g_test_add_func("/rcar-idregs/rule/higher", test_higher);
    g_test_add_func("/rcar-idregs/rule/exact", test_exact);
    g_test_add_func("/rcar-idregs/rule/unknown-bits", test_unknown_bits);
    g_test_add_func("/rcar-idregs/safe-n", test_safe_n);
    g_test_add_func("/rcar-idregs/fits", test_fits);
    g_test_add_func("/rcar-idregs/describe-diff", test_describe_diff);
    g_test_add_func("/rcar-idregs/laws", test_laws);
    return g_test_run();
}
