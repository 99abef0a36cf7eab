//! Seeded, portable random streams derived from (seed, stream id).

use rand::SeedableRng;

/// The one PRNG of landport: PCG-XSL-RR 128/64, whose output rand_pcg promises to keep stable.
pub type Rng = rand_pcg::Pcg64;

/// SplitMix64's finaliser: a bijective mix that spreads nearby seeds far apart.
const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream `stream` of a run seeded with `seed`.
///
/// Streams are independent of each other and of the order in which they are created, so a change
/// to one stage's parameters leaves every other stream, the arrivals included, unchanged.
pub fn stream(seed: u64, stream: u64) -> Rng {
    Rng::seed_from_u64(splitmix64(seed ^ splitmix64(stream)))
}

/// A seed derived from `seed` and an index (a replication number): as far from its neighbours
/// as two unrelated seeds.
pub fn derive_seed(seed: u64, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index ^ 0x6A09_E667_F3BC_C909))
}

/// A stable stream id for a named purpose (FNV-1a of the name, then the purpose number).
///
/// Naming streams by stage name rather than position keeps common random numbers when a
/// variant adds, removes or reorders stages.
pub fn stream_id(name: &str, purpose: u64) -> u64 {
    splitmix64(fnv1a(name.bytes()) ^ purpose)
}

/// The 64-bit FNV-1a hash of the bytes: stable across runs, platforms and versions of Rust
/// (unlike `std`'s hasher), so it can name streams and fingerprint files.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference (www.isthe.com/chongo/tech/comp/fnv, test_fnv.c).
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(7, 1).random();
        let b: u64 = stream(7, 1).random();
        let c: u64 = stream(7, 2).random();
        let d: u64 = stream(8, 1).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(stream_id("xray", 1), stream_id("xray", 2));
        assert_ne!(stream_id("xray", 1), stream_id("gate", 1));
    }
}
