/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * rcar-idregs: one safe set of Arm ID register values for unlike cores
 *
 * An R-Car H3 pairs Cortex-A57s with Cortex-A53s, and the two report
 * different ID registers.  A vCPU that may run on either cluster must show
 * values that hold on both, and a vCPU model may only show what the host
 * has.  This file combines ID register values field by field under the
 * rules of the Arm ID scheme (Arm ARM DDI 0487, "Principles of the ID
 * scheme for fields in ID registers"), as Linux does for its sanitised
 * system-wide view (arch/arm64/kernel/cpufeature.c).  It is pure: no QOM,
 * no KVM, so tests/unit/test-rcar-idregs.c drives it with the values the
 * Arm TRMs give.  hw/arm/rcar-host-cpus.c finds which cores the host has.
 */

#ifndef HW_ARM_RCAR_IDREGS_H
#define HW_ARM_RCAR_IDREGS_H

/* How two values of one field combine into the value safe for both */
typedef enum RcarIdFieldRule {
    RCAR_IDF_LOWER,             /* unsigned; the smaller is safe */
    RCAR_IDF_LOWER_SIGNED,      /* signed, all ones (-1) = not implemented */
    RCAR_IDF_HIGHER,            /* the larger is safe */
    RCAR_IDF_HIGHER_OR_ZERO,    /* the larger, but 0 ("not reported") wins */
    RCAR_IDF_EXACT,             /* must match; if not, the field's @safe */
} RcarIdFieldRule;

typedef struct RcarIdField {
    const char *name;           /* the Arm ARM name, e.g. "PARange" */
    uint8_t shift;
    uint8_t width;
    RcarIdFieldRule rule;
    uint64_t safe;              /* RCAR_IDF_EXACT only */
} RcarIdField;

typedef struct RcarIdReg {
    const char *name;           /* e.g. "ID_AA64MMFR0_EL1" */
    uint8_t op0, op1, crn, crm, op2;
    unsigned int nfields;
    const RcarIdField *fields;  /* ascending, disjoint */
} RcarIdReg;

/**
 * rcar_idregs:
 * @count: set to the number of registers
 *
 * Returns: the registers this file knows, in ascending encoding order:
 * the AArch32 ID registers as AArch64 reads them (ID_PFR0_EL1 ...
 * ID_MMFR5_EL1), ID_AA64PFR0/1, ZFR0, DFR0/1, ISAR0-2, MMFR0-3 and CTR_EL0.
 */
const RcarIdReg *rcar_idregs(size_t *count);

/* The register with this encoding or name, or NULL when not in the table */
const RcarIdReg *rcar_idreg_find(uint8_t op0, uint8_t op1, uint8_t crn,
                                 uint8_t crm, uint8_t op2);
const RcarIdReg *rcar_idreg_find_name(const char *name);

/**
 * rcar_idreg_safe:
 * @reg: the register @a and @b were read from
 * @a: its value on one core
 * @b: its value on another
 *
 * Combine @a and @b field by field under each field's rule.  Bits no field
 * covers (RES0 in the table's version of the Arm ARM, or fields newer
 * than it) are taken four at a time, as the ID scheme's fields are: kept
 * when @a and @b agree on them, else 0.
 *
 * Every rule is commutative, associative and idempotent, so any number of
 * cores can be folded in any order (see rcar_idreg_safe_n()).
 *
 * Returns: a value each field of which is no more capable than in @a or @b
 */
uint64_t rcar_idreg_safe(const RcarIdReg *reg, uint64_t a, uint64_t b);

/* rcar_idreg_safe() folded over @n >= 1 values */
uint64_t rcar_idreg_safe_n(const RcarIdReg *reg, const uint64_t *vals,
                           size_t n);

/**
 * rcar_idreg_fits:
 * @reg: the register
 * @want: the value a vCPU would show
 * @limit: what the host can back, e.g. its rcar_idreg_safe() value
 * @bad_field: if not NULL, set to the first field (ascending bits) that
 *             does not fit, "RES0" for uncovered bits, or NULL if all do
 *
 * Returns: true if rcar_idreg_safe(@reg, @want, @limit) == @want, that is,
 * @want promises nothing @limit does not.
 */
bool rcar_idreg_fits(const RcarIdReg *reg, uint64_t want, uint64_t limit,
                     const char **bad_field);

/**
 * rcar_idreg_describe_diff:
 *
 * Returns: the fields of @reg that differ between @a and @b, ascending, as
 * "PARange 0x4 -> 0x2, L1Ip 0x3 -> 0x2", with uncovered bits as one
 * "RES0 0x... -> 0x..." item; "" if @a == @b.  Free with g_free().
 */
char *rcar_idreg_describe_diff(const RcarIdReg *reg, uint64_t a, uint64_t b);

#endif
