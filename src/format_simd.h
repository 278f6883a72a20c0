/*
 * Copyright (c) 2026 The tcplogd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * Which bytes text output passes unchanged ("plain": printable ASCII but
 * '\'), one at a time and 16 or 32 at a time, and which SIMD code runs
 * (format_simd, in tcplogd.h).  Defined in format.c, which escapes the
 * other bytes; proto_line_scan.c uses the same tests to tell whether the
 * lines it finds need escaping.  The tests are always inlined into the
 * loops that use them, so they live here rather than behind a call.
 */

#ifndef FORMAT_SIMD_H
#define FORMAT_SIMD_H

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FORMAT_HAVE_AVX2
#endif

#include "tcplogd.h"

extern const u_char	 format_plain[256];	/* 1: the byte passes */

size_t		 format_plain_len(const u_char *, size_t);

#ifdef __SSE2__
/*
 * A bit for each of the 16 bytes at p that does not pass unchanged.
 * Adding 0x60 maps 0x20..0x7e, the printable ASCII, to -128..-34 and
 * every other byte above that, so one signed compare finds them; then
 * '\\', and '"' in JSON.
 */
static inline __attribute__((__always_inline__)) u_int
format_bad16(const u_char *p, int json)
{
	__m128i	x, good, bad;

	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	good = _mm_cmpgt_epi8(_mm_set1_epi8(-33),
	    _mm_add_epi8(x, _mm_set1_epi8(0x60)));
	bad = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
	if (json)
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x,
		    _mm_set1_epi8('"')));
	return ((u_int)_mm_movemask_epi8(_mm_andnot_si128(bad, good)) ^
	    0xffff);
}
#endif

#ifdef FORMAT_HAVE_AVX2
extern int		 format_avx2;

/* Whether to use AVX2: the CPU has it and format_simd allows it. */
static inline int
format_use_avx2(void)
{
	if (format_avx2 == -1)
		format_avx2 = __builtin_cpu_supports("avx2");
	return (format_avx2 && format_simd == FORMAT_SIMD_BEST);
}

/* format_bad16() for 32 bytes. */
static inline __attribute__((__always_inline__, __target__("avx2"))) u_int
format_bad32(const u_char *p, int json)
{
	__m256i	x, good, bad;

	x = _mm256_loadu_si256((const __m256i *)(const void *)p);
	good = _mm256_cmpgt_epi8(_mm256_set1_epi8(-33),
	    _mm256_add_epi8(x, _mm256_set1_epi8(0x60)));
	bad = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\\'));
	if (json)
		bad = _mm256_or_si256(bad, _mm256_cmpeq_epi8(x,
		    _mm256_set1_epi8('"')));
	return (~(u_int)_mm256_movemask_epi8(_mm256_andnot_si256(bad,
	    good)));
}
#endif

#endif /* FORMAT_SIMD_H */
