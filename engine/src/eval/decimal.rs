//! Conversions between IEEE-754 doubles and decimal digits, computed exactly as SQLite computes
//! them (util.c: `powerOfTen`, `sqlite3Fp10Convert2`, `sqlite3Fp2Convert10`, `sqlite3FpDecode`).
//!
//! SQLite does not use the C library for these conversions: text → REAL keeps at most about 19
//! significant input digits, and REAL → text takes its digits from a 64-bit approximation of
//! the value times a power of ten. Matching SQLite bit for bit (a REAL read from text, the text
//! of a REAL) therefore needs the same arithmetic, done here with the same 96-bit powers of ten.

/// The smallest and largest powers of ten the conversions handle (`POWERSOF10_FIRST/LAST`).
const POWERS_OF_10_FIRST: i32 = -348;
const POWERS_OF_10_LAST: i32 = 347;

/// `10^n` for `n` in `0..27`, shifted so that its most significant bit is bit 63 (all exact).
const BASE: [u64; 27] = {
    let mut out = [0u64; 27];
    let mut n = 0;
    while n < 27 {
        let value = 10u128.pow(n as u32);
        let bits = 128 - value.leading_zeros();
        out[n] = if bits <= 64 { (value << (64 - bits)) as u64 } else { (value >> (bits - 64)) as u64 };
        n += 1;
    }
    out
};

/// `10^(27·(g−13))` for `g` in `0..26` (entry 13 is `10^-1` instead of `10^0`): the 96 most
/// significant bits, rounded to nearest, as a high 64-bit word ([`SCALE`]) and the next 32 bits
/// ([`SCALE_LO`]). Entry 13 is truncated rather than rounded, as in SQLite's table. The unit test
/// `scale_tables_are_powers_of_ten` recomputes every entry with exact integer arithmetic.
const SCALE: [u64; 26] = [
    0x8049a4ac0c5811ae,
    0xcf42894a5dce35ea,
    0xa76c582338ed2621,
    0x873e4f75e2224e68,
    0xda7f5bf590966848,
    0xb080392cc4349dec,
    0x8e938662882af53e,
    0xe65829b3046b0afa,
    0xba121a4650e4ddeb,
    0x964e858c91ba2655,
    0xf2d56790ab41c2a2,
    0xc428d05aa4751e4c,
    0x9e74d1b791e07e48,
    0xcccccccccccccccc,
    0xcecb8f27f4200f3a,
    0xa70c3c40a64e6c51,
    0x86f0ac99b4e8dafd,
    0xda01ee641a708de9,
    0xb01ae745b101e9e4,
    0x8e41ade9fbebc27d,
    0xe5d3ef282a242e81,
    0xb9a74a0637ce2ee1,
    0x95f83d0a1fb69cd9,
    0xf24a01a73cf2dccf,
    0xc3b8358109e84f07,
    0x9e19db92b4e31ba9,
];
const SCALE_LO: [u32; 26] = [
    0x205b896d, 0x52064cad, 0xaf2af2b8, 0x5a7744a7, 0xaf39a475, 0xbd8d794e, 0x547eb47b, 0x0cb4a5a3, 0x92f34d62,
    0x3a6a07f9, 0xfae27299, 0xaa97e14c, 0x775ea265, 0xcccccccc, 0x00000000, 0x999090b6, 0x69a028bb, 0xe80e6f48,
    0x5ec05dd0, 0x14588f14, 0x8f1668c9, 0x6d953e2c, 0x4abdaf10, 0xbc633b39, 0x0a862f81, 0x6c07a2c2,
];

const fn bit(n: i32) -> u64 {
    1u64 << n
}

/// The full 128-bit product of two 64-bit numbers as (high, low) (`sqlite3Multiply128`).
fn mul128(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    ((r >> 64) as u64, r as u64)
}

/// For the 96-bit `A = (a << 32) + a_lo` and 64-bit `b`: the upper 64 bits of the 160-bit
/// product and the 32 bits below them (`sqlite3Multiply160`).
fn mul160(a: u64, a_lo: u32, b: u64) -> (u64, u32) {
    // a*b <= (2^64-1)^2 and the added term is < 2^64, so the sum fits in 128 bits.
    let r = u128::from(a) * u128::from(b) + ((u128::from(a_lo) * u128::from(b)) >> 32);
    ((r >> 64) as u64, (r >> 32) as u32)
}

/// `floor(p · log2(10))`, approximately (`pwr10to2`).
fn pwr10_to_2(p: i32) -> i32 {
    (p * 108_853) >> 15
}

/// `floor(p · log10(2))`, approximately (`pwr2to10`).
fn pwr2_to_10(p: i32) -> i32 {
    (p * 78_913) >> 18
}

/// The 64 most significant bits of `10^p` and the 32 bits after them (`powerOfTen`), for `p`
/// within [`POWERS_OF_10_FIRST`, `POWERS_OF_10_LAST`].
fn power_of_ten(p: i32) -> (u64, u32) {
    debug_assert!((POWERS_OF_10_FIRST..=POWERS_OF_10_LAST).contains(&p));
    let (g, n);
    if p < 0 {
        if p == -1 {
            return (SCALE[13], SCALE_LO[13]);
        }
        let (mut gg, mut nn) = (p / 27, p % 27);
        if nn != 0 {
            gg -= 1;
            nn += 27;
        }
        (g, n) = (gg, nn);
    } else if p < 27 {
        return (BASE[p as usize], 0);
    } else {
        (g, n) = (p / 27, p % 27);
    }
    let index = (g + 13) as usize;
    let (s, s_lo) = (SCALE[index], SCALE_LO[index]);
    if n == 0 {
        return (s, s_lo);
    }
    let (mut x, mut lo) = mul160(s, s_lo, BASE[n as usize]);
    if x & bit(63) == 0 {
        x = (x << 1) | u64::from((lo >> 31) & 1);
        lo = (lo << 1) | 1;
    }
    (x, lo)
}

/// For `r = m · 2^e` (`m` with its top bit set): `(d, p)` with `r ≈ d · 10^p` and `d` holding at
/// least `n` significant digits (`sqlite3Fp2Convert10`). `n` is in `1..=18`.
fn fp2_convert10(m: u64, e: i32, n: i32) -> (u64, i32) {
    debug_assert!((1..=18).contains(&n));
    let p = n - 1 - pwr2_to_10(e + 63);
    let (power, _) = power_of_ten(p);
    let (mut h, _) = mul128(m, power);
    let d = if n == 18 {
        h >>= -(e + pwr10_to_2(p) + 2);
        (h.wrapping_add((h << 1) & 2)) >> 1
    } else {
        h >> -(e + pwr10_to_2(p) + 1)
    };
    (d, -p)
}

/// The double nearest `d · 10^p` as SQLite computes it (`sqlite3Fp10Convert2`, after Russ Cox's
/// fpfmt): 0 below the smallest power, infinity above the largest. `d` must not be 0.
pub(crate) fn fp10_convert2(d: u64, p: i32) -> f64 {
    debug_assert!(d != 0);
    if p < POWERS_OF_10_FIRST {
        return 0.0;
    }
    if p > POWERS_OF_10_LAST {
        return f64::INFINITY;
    }
    let b = 64 - d.leading_zeros() as i32;
    let lp = pwr10_to_2(p);
    let mut e = 53 - b - lp;
    if e > 1074 {
        if e >= 1130 {
            return 0.0;
        }
        e = 1074;
    }
    let s = -(e - (64 - b) + lp + 3);
    let (mut pwr10h, mut pwr10l) = power_of_ten(p);
    if pwr10l != 0 {
        pwr10h = pwr10h.wrapping_add(1);
        pwr10l = !pwr10l;
    }
    let x = d << (64 - b);
    let (mut hi, lo) = mul128(x, pwr10h);
    let mid1 = (lo >> 32) as u32;
    let mut sticky: u64 = 1;
    if hi & (bit(s) - 1) == 0 {
        let mid2 = (mul128(x, u64::from(pwr10l) << 32).0 >> 32) as u32;
        sticky = u64::from(mid1.wrapping_sub(mid2) > 1);
        hi = hi.wrapping_sub(u64::from(mid1 < mid2));
    }
    let mut u = (hi >> s) | sticky;
    let adj = i32::from(u >= bit(55) - 2);
    if adj != 0 {
        u = (u >> adj) | (u & 1);
        e -= adj;
    }
    let mut m = (u + 1 + ((u >> 2) & 1)) >> 2;
    if e <= -972 {
        return f64::INFINITY;
    }
    if m & bit(52) != 0 {
        m = (m & !bit(52)) | (((1075 - e) as u64) << 52);
    }
    f64::from_bits(m)
}

/// What [`fp_decode`] found: the sign, the significant digits and where the decimal point goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FpDecode {
    /// `b'-'` or `b'+'` (zero, including -0.0, is `+`).
    pub sign: u8,
    /// 0: a finite number; 1: an infinity; 2: NaN.
    pub special: u8,
    /// The significant digits, ASCII, no trailing zeros (empty for specials).
    pub digits: Vec<u8>,
    /// The position of the decimal point: the value is `0.digits × 10^idp`.
    pub idp: i32,
}

/// The decimal digits of `r` (`sqlite3FpDecode`). With `iround <= 0`, rounds to `-iround`
/// digits after the decimal point; with `iround > 0`, to `min(iround, mxround)` significant
/// digits; never more than `mxround` significant digits.
pub(crate) fn fp_decode(r: f64, iround: i32, mxround: i32) -> FpDecode {
    debug_assert!(mxround > 0);
    let mut iround = iround;
    let (sign, r) = if r < 0.0 {
        (b'-', -r)
    } else if r == 0.0 {
        return FpDecode { sign: b'+', special: 0, digits: vec![b'0'], idp: 1 };
    } else {
        (b'+', r)
    };
    let mut v = r.to_bits();
    let mut e = ((v >> 52) & 0x7ff) as i32;
    if e == 0x7ff {
        let special = 1 + u8::from(v != 0x7ff0_0000_0000_0000);
        return FpDecode { sign, special, digits: Vec::new(), idp: 0 };
    }
    v &= 0x000f_ffff_ffff_ffff;
    if e == 0 {
        let nn = v.leading_zeros() as i32;
        v <<= nn;
        e = -1074 - nn;
    } else {
        v = (v << 11) | bit(63);
        e -= 1086;
    }
    let wanted = if iround <= 0 || iround >= 18 { 18 } else { iround + 1 };
    let (v, exp) = fp2_convert10(v, e, wanted);
    debug_assert!(v > 0);
    let mut z: Vec<u8> = v.to_string().into_bytes();
    let mut n = z.len() as i32;
    let mut idp = n + exp;
    if iround <= 0 {
        iround = idp - iround;
        if iround == 0 && z[0] >= b'5' {
            iround = 1;
            z.insert(0, b'0');
            n += 1;
            idp += 1;
        }
    }
    if iround > 0 && (iround < n || n > mxround) {
        if iround > mxround {
            iround = mxround;
        }
        if iround == 17 {
            // "%!.17g": use fewer digits when they read back as the same double
            // (49.47 rather than 49.469999999999999).
            let digit_prefix = |len: usize| z[..len].iter().fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
            if z[15] == b'9' && z[14] == b'9' {
                let mut jj = 14usize;
                while jj > 0 && z[jj - 1] == b'9' {
                    jj -= 1;
                }
                let v2 = if jj == 0 { 1 } else { digit_prefix(jj) + 1 };
                if r == fp10_convert2(v2, exp + n - jj as i32) {
                    iround = jj as i32 + 1;
                }
            } else if idp >= n || (z[15] == b'0' && z[14] == b'0' && z[13] == b'0') {
                let mut jj = 13usize;
                while jj > 1 && z[jj - 1] == b'0' {
                    jj -= 1;
                }
                let v2 = digit_prefix(jj);
                if v2 != 0 && r == fp10_convert2(v2, exp + n - jj as i32) {
                    iround = jj as i32 + 1;
                }
            }
        }
        n = iround;
        if z[iround as usize] >= b'5' {
            let mut j = iround as usize - 1;
            loop {
                z[j] += 1;
                if z[j] <= b'9' {
                    break;
                }
                z[j] = b'0';
                if j == 0 {
                    z.insert(0, b'1');
                    n += 1;
                    idp += 1;
                    break;
                }
                j -= 1;
            }
        }
    }
    z.truncate(n as usize);
    while z.len() > 1 && z[z.len() - 1] == b'0' {
        z.pop();
    }
    FpDecode { sign, special: 0, digits: z, idp }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal unsigned big integer (little-endian u32 limbs) for checking the tables.
    #[derive(Clone)]
    struct Big(Vec<u32>);

    impl Big {
        fn from_u64(v: u64) -> Big {
            Big(vec![v as u32, (v >> 32) as u32])
        }
        fn trim(mut self) -> Big {
            while self.0.len() > 1 && self.0[self.0.len() - 1] == 0 {
                self.0.pop();
            }
            self
        }
        fn mul_small(&self, m: u32) -> Big {
            let mut carry = 0u64;
            let mut out = Vec::with_capacity(self.0.len() + 1);
            for &limb in &self.0 {
                let t = u64::from(limb) * u64::from(m) + carry;
                out.push(t as u32);
                carry = t >> 32;
            }
            out.push(carry as u32);
            Big(out).trim()
        }
        fn div_small(&self, d: u32) -> Big {
            let mut out = vec![0u32; self.0.len()];
            let mut rem = 0u64;
            for i in (0..self.0.len()).rev() {
                let t = (rem << 32) | u64::from(self.0[i]);
                out[i] = (t / u64::from(d)) as u32;
                rem = t % u64::from(d);
            }
            Big(out).trim()
        }
        fn shl(&self, bits: usize) -> Big {
            let mut out = vec![0u32; bits / 32];
            let shift = bits % 32;
            let mut carry = 0u32;
            for &limb in &self.0 {
                if shift == 0 {
                    out.push(limb);
                } else {
                    out.push((limb << shift) | carry);
                    carry = limb >> (32 - shift);
                }
            }
            out.push(carry);
            Big(out).trim()
        }
        fn bit_len(&self) -> usize {
            let top = self.0.len() - 1;
            top * 32 + (32 - self.0[top].leading_zeros() as usize)
        }
        /// The bits `[from, from + 97)` counted from the least significant, as (97-bit value).
        fn bits_from(&self, from: usize, count: usize) -> u128 {
            let mut v = 0u128;
            for i in (0..count).rev() {
                let b = from + i;
                let limb = self.0.get(b / 32).copied().unwrap_or(0);
                v = (v << 1) | u128::from((limb >> (b % 32)) & 1);
            }
            v
        }
    }

    /// The 96 most significant bits of 10^p, rounded (or truncated) at the 97th.
    fn top96(p: i32, round: bool) -> (u64, u32) {
        // Work with 10^p · 2^k as an integer large enough to hold 200 bits past the point.
        let value = if p >= 0 {
            let mut v = Big::from_u64(1);
            for _ in 0..p {
                v = v.mul_small(10);
            }
            v
        } else {
            let mut v = Big::from_u64(1).shl(1400);
            for _ in 0..(-p) {
                v = v.div_small(10);
            }
            v
        };
        let value = if value.bit_len() < 97 { value.shl(97 - value.bit_len()) } else { value };
        let len = value.bit_len();
        let top97 = value.bits_from(len - 97, 97);
        let top96 = if round { (top97 + 1) >> 1 } else { top97 >> 1 };
        ((top96 >> 32) as u64, top96 as u32)
    }

    #[test]
    fn scale_tables_are_powers_of_ten() {
        for g in 0..26 {
            let p = if g == 13 { -1 } else { 27 * (g - 13) };
            assert_eq!(top96(p, g != 13), (SCALE[g as usize], SCALE_LO[g as usize]), "10^{p}");
        }
        assert_eq!(BASE[0], 1 << 63);
        assert_eq!(BASE[1], 0xa000_0000_0000_0000);
        assert_eq!(BASE[26], 0xa56f_a5b9_9019_a5c8);
    }

    #[test]
    fn decode_examples() {
        let d = fp_decode(0.1, 17, 20);
        assert_eq!((d.digits.as_slice(), d.idp), (&b"1"[..], 0));
        let d = fp_decode(49.47, 17, 20);
        assert_eq!((d.digits.as_slice(), d.idp), (&b"4947"[..], 2));
        let d = fp_decode(-0.0, 17, 20);
        assert_eq!((d.sign, d.digits.as_slice()), (b'+', &b"0"[..]));
        assert_eq!(fp_decode(f64::NEG_INFINITY, 17, 20).special, 1);
        assert_eq!(fp_decode(f64::NAN, 17, 20).special, 2);
    }

    #[test]
    fn convert2_examples() {
        assert_eq!(fp10_convert2(1, 0), 1.0);
        assert_eq!(fp10_convert2(15, -1), 1.5);
        assert_eq!(fp10_convert2(1, 308), 1e308);
        assert_eq!(fp10_convert2(1, 309), f64::INFINITY);
        assert_eq!(fp10_convert2(5, -324), 5e-324);
        assert_eq!(fp10_convert2(2, -324), 0.0);
    }
}
