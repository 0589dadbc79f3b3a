/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.h: small deterministic pseudo-random numbers for dwcp-sim.
 *
 * What it offers
 *   - struct rng: a splitmix64 generator, one per thread, so runs with the
 *     same --seed make the same choices in each thread without locking.
 *   - rng_seed(), rng_next(), rng_below(), rng_chance(), rng_hash().
 *
 * Not for cryptography; the point is reproducible workloads.
 */
#ifndef DWCP_SIM_RNG_H
#define DWCP_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t state;
};

/* Mixes two numbers into one well-spread 64-bit value (splitmix64 finalizer). */
static inline uint64_t rng_hash(uint64_t a, uint64_t b)
{
	uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* stream separates generators that share a seed (one per thread or role). */
static inline void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = rng_hash(seed, stream);
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n == 0 gives 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* True with probability p (p <= 0 never, p >= 1 always). */
static inline bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

#endif /* DWCP_SIM_RNG_H */
