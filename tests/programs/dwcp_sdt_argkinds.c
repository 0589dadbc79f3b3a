// SPDX-License-Identifier: Apache-2.0
/*
 * dwcp_sdt_argkinds: fires dwcp:stream_data with every kind of USDT argument
 * that libbpf 1.1 parses, from plain sys/sdt.h (its default "nor"
 * constraint, no dwcp_probes.h): 8-byte registers, 1-, 2- and 4-byte
 * (sub-)registers whose upper bits hold other data, memory operands
 * (register plus offset), constants, signed and unsigned, and the stream id
 * itself in a register and in memory.
 *
 * On SIGUSR1 it fires every site ROUNDS times, then prints its ledger and
 * waits for SIGTERM. Ledger lines: "bytes ID SENT RECEIVED" per stream, the
 * sums of the events the exporter must count (every value as the probe
 * passes it: signed ones sign-extended to 64 bits), and "out_of_range N",
 * the events it must drop as out of range (a negative signed value seen as
 * a huge unsigned one, which only a correct sign extension produces).
 * tests/integration/test_arg_kinds.py checks with readelf that each kind is
 * really in this binary's notes.
 */
#include <sys/sdt.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 3
#define MAX_BYTES_PER_EVENT (1ull << 50) /* the exporter's DWCP_MAX_BYTES_PER_EVENT */

static volatile sig_atomic_t go, stop;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

struct ledger {
	const char *id;
	uint64_t sent, received;
};

static struct ledger streams[3];
static unsigned long out_of_range;

/* What the exporter must make of one event, as the probe passed it. */
static void expect(int stream, uint64_t sent, uint64_t received)
{
	if (sent > MAX_BYTES_PER_EVENT || received > MAX_BYTES_PER_EVENT) {
		out_of_range++;
		return;
	}
	streams[stream].sent += sent;
	streams[stream].received += received;
}

/* Not inlined, so that its arguments arrive in registers with the caller's
 * upper bits: the probes take their low bytes as 1-, 2- and 4-byte
 * register operands (%al, %si, %edx ...). */
static __attribute__((noinline)) void fire_subregisters(const char *id, uint64_t wide, uint64_t other)
{
	unsigned char u8 = (unsigned char)wide;
	unsigned short u16 = (unsigned short)other;
	int32_t s32 = (int32_t)(other >> 8);
	unsigned int u32 = (unsigned int)wide;
	signed char s8 = (signed char)(other >> 16);

	DTRACE_PROBE3(dwcp, stream_data, id, u8, u16);
	expect(1, u8, u16);
	DTRACE_PROBE3(dwcp, stream_data, id, u32, s32);
	expect(1, u32, (uint64_t)(int64_t)s32);
	DTRACE_PROBE3(dwcp, stream_data, id, s8, u8);
	expect(1, (uint64_t)(int64_t)s8, u8);
}

/* volatile locals: the compiler passes them as memory operands of the
 * stack pointer or frame pointer (8@16(%rsp), -2@-6(%rbp) ...) */
static __attribute__((noinline)) void fire_memory(const char *id_src)
{
	char id[32];
	const char *volatile id_in_memory = id;
	volatile uint64_t m64 = 1000000;
	volatile uint32_t m32 = 0xfffffff0u;
	volatile int16_t m16 = -2;
	volatile unsigned short mu16 = 65000;
	volatile signed char m8 = 100;

	strcpy(id, id_src);
	DTRACE_PROBE3(dwcp, stream_data, id_in_memory, m64, m32);
	expect(2, m64, m32);
	DTRACE_PROBE3(dwcp, stream_data, id_in_memory, mu16, m8);
	expect(2, mu16, (uint64_t)(int64_t)m8);
	DTRACE_PROBE3(dwcp, stream_data, id_in_memory, m64, m16);
	expect(2, m64, (uint64_t)(int64_t)m16);
}

/* fields behind a pointer in a register other than the stack's: memory
 * operands at offset 0 and past it (8@(%rsi), -4@8(%rsi); on arm64
 * 8@[x1], -4@[x1, 8]). noipa: specialized to its one caller's &pointed,
 * the note would name the symbol (8@pointed(%rip), 8@[x2, #:lo12:...]),
 * which no tracer reads. */
struct pointed {
	volatile uint64_t first;
	volatile int32_t second;
	volatile uint16_t third;
};

static __attribute__((noipa)) void fire_pointer(const char *id, struct pointed *p)
{
	DTRACE_PROBE3(dwcp, stream_data, id, p->first, p->second);
	expect(2, p->first, (uint64_t)(int64_t)p->second);
	DTRACE_PROBE3(dwcp, stream_data, id, p->third, p->first);
	expect(2, p->third, p->first);
}

/* literals: constants in the note ($1000, $-5) */
static __attribute__((noinline)) void fire_constants(const char *id)
{
	DTRACE_PROBE3(dwcp, stream_data, id, 70000, 7);
	expect(0, 70000, 7);
	DTRACE_PROBE3(dwcp, stream_data, id, 12, -5);
	expect(0, 12, (uint64_t)(int64_t)-5);
}

/* whole 64-bit registers */
static __attribute__((noinline)) void fire_registers(const char *id, uint64_t a, uint64_t b)
{
	DTRACE_PROBE3(dwcp, stream_data, id, a, b);
	expect(0, a, b);
}

int main(void)
{
	char id0[32], id1[32];
	/* other data in the upper bits of what the sub-register probes cut */
	volatile uint64_t wide = 0x123456789a00000bull, other = 0x0000abcdef00fff9ull;
	static struct pointed pointed = {.first = 5000, .second = -9, .third = 65001};

	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	strcpy(id0, "kinds-reg-const");
	strcpy(id1, "kinds-subregister");
	streams[0].id = id0;
	streams[1].id = id1;
	streams[2].id = "kinds-memory";
	printf("waiting\n");
	fflush(stdout);
	while (!go && !stop)
		pause();
	for (int r = 0; r < ROUNDS && !stop; r++) {
		fire_registers(id0, 4096 + (uint64_t)r, 64);
		fire_constants(id0);
		fire_subregisters(id1, wide + (uint64_t)r, other);
		fire_memory(streams[2].id);
		fire_pointer(streams[2].id, &pointed);
	}
	for (int s = 0; s < 3; s++)
		printf("bytes %s %llu %llu\n", streams[s].id, (unsigned long long)streams[s].sent,
		       (unsigned long long)streams[s].received);
	printf("out_of_range %lu\ndone\n", out_of_range);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
