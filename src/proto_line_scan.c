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
 * The line protocol's scanner: finds the delimiters in a read and, in the
 * same pass, whether text output would pass the lines unchanged, so plain
 * lines skip the escaper.  line_scan_split() is the fast path, 64 bytes
 * at a time with SSE2 or AVX2 (chosen at run time, format_simd); what it
 * leaves, line_scan_find() takes one line at a time.  The byte tests are
 * format.c's (format_simd.h).
 *
 * The delimiter is LF (one CR before it is not part of the line), NUL
 * (a CR before it is data, and so is LF), or either of them (the CR
 * dropped before LF only).  With either, a delimiter right after one of
 * the other kind ends no line: "a\0\n", "a\n\0" and "a\n\0\n" are one
 * line each, "\n\n" and "\0\0" two.  Each delimiter has its own copy
 * of the fast path, so LF's is what it was before the others came.
 */

#include <string.h>

#include "format_simd.h"

/*
 * The fast path looks at 64 bytes at a time: a bit per byte for LF, NUL
 * or CR, and for bytes that text does not pass unchanged (LF, NUL and CR
 * among them).  LINE_SCAN_NONE is the portable version.
 */
#define LINE_SCAN_NONE	0
#define LINE_SCAN_SSE2	1
#define LINE_SCAN_AVX2	2

/*
 * The first delimiter among len bytes at p, or NULL.  *plain is the
 * length of the run at p that text passes unescaped, so a line of n
 * bytes needs no escaping if n <= *plain.  One pass finds both where
 * lines are plain: LF and NUL do not pass either, so the run ends at
 * the delimiter (or at the CR of CRLF).  With lf-or-nul, the caller has
 * skipped a delimiter at p that ends no line.
 */
const u_char *
line_scan_find(const u_char *p, size_t len, size_t *plain,
    enum lconf_delimiter delim)
{
	const u_char	*q;

	*plain = format_plain_len(p, len);
	q = p + *plain;
	if (q == p + len)
		return (NULL);
	return (line_scan_delim(q, p + len - q, delim));
}

/*
 * The first delimiter among len bytes at p, or NULL.  For lf-or-nul, the
 * search for NUL stops at the first LF, so no byte is looked at more
 * than twice.
 */
const u_char *
line_scan_delim(const u_char *p, size_t len, enum lconf_delimiter delim)
{
	const u_char	*nl, *nul;

	switch (delim) {
	case DELIM_LF:
		return (memchr(p, '\n', len));
	case DELIM_NUL:
		return (memchr(p, '\0', len));
	default:
		if ((nl = memchr(p, '\n', len)) != NULL)
			len = nl - p;
		nul = memchr(p, '\0', len);
		return (nul != NULL ? nul : nl);
	}
}

static inline __attribute__((__always_inline__)) uint64_t
line_scan_masks64_none(const u_char *p, u_char c, uint64_t *bad)
{
	uint64_t	m = 0;
	int		i;

	if (bad != NULL)
		*bad = 0;
	for (i = 0; i < 64; i++) {
		m |= (uint64_t)(p[i] == c) << i;
		if (bad != NULL)
			*bad |= (uint64_t)(format_plain[p[i]] == 0) << i;
	}
	return (m);
}

#ifdef __SSE2__
static inline __attribute__((__always_inline__)) uint64_t
line_scan_masks64_sse2(const u_char *p, u_char c, uint64_t *bad)
{
	__m128i		x;
	uint64_t	m = 0;
	int		i;

	if (bad != NULL)
		*bad = 0;
	for (i = 0; i < 64; i += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		m |= (uint64_t)(u_int)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
		    _mm_set1_epi8(c))) << i;
		if (bad != NULL)
			*bad |= (uint64_t)format_bad16(p + i, 0) << i;
	}
	return (m);
}
#endif

#ifdef FORMAT_HAVE_AVX2
/* Not always_inline: only line_scan_split_avx2() inlines it. */
static inline __attribute__((__target__("avx2"))) uint64_t
line_scan_masks64_avx2(const u_char *p, u_char c, uint64_t *bad)
{
	__m256i	x, y;

	x = _mm256_loadu_si256((const __m256i *)(const void *)p);
	y = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	if (bad != NULL)
		*bad = format_bad32(p, 0) |
		    (uint64_t)format_bad32(p + 32, 0) << 32;
	return ((u_int)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x,
	    _mm256_set1_epi8(c))) | (uint64_t)(u_int)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(y, _mm256_set1_epi8(c))) << 32);
}
#endif

/* The mask of byte c in 64 bytes at p, and *bad unless NULL. */
static inline __attribute__((__always_inline__)) uint64_t
line_scan_masks64(const u_char *p, u_char c, uint64_t *bad, int kind)
{
	switch (kind) {
#ifdef FORMAT_HAVE_AVX2
	case LINE_SCAN_AVX2:
		return (line_scan_masks64_avx2(p, c, bad));
#endif
#ifdef __SSE2__
	case LINE_SCAN_SSE2:
		return (line_scan_masks64_sse2(p, c, bad));
#endif
	default:
		return (line_scan_masks64_none(p, c, bad));
	}
}

/*
 * line_scan_split() for one kind of mask and one delimiter, inlined into
 * each below.  Whether the lines are plain is judged a block at a time:
 * bad keeps the block's bytes that do not pass, but for delimiters and
 * the CR of a CRLF; carry says the unfinished line had one in an earlier
 * block.  With lf-or-nul, skip marks the delimiters that end no line, as
 * they follow one of the other kind in the block or at the end of the
 * block before (last: its last byte was LF, bit 0, or NUL, bit 1).
 */
static inline __attribute__((__always_inline__)) size_t
line_scan_run(const u_char *p, size_t len, size_t max, struct iovec *v,
    size_t nv, size_t *used, int *plain, int kind,
    enum lconf_delimiter delim)
{
	const u_char	*q = p, *start = p, *end = p + len, *nl;
	uint64_t	 lf, nul, dl, cr, bad, done, skip = 0, last = 0;
	size_t		 n = 0, ll;
	int		 pl = *plain, carry = 0;

	while (n < nv && end - q >= 64) {
		/* dl: the delimiters; lf: the LFs among them. */
		dl = line_scan_masks64(q, delim == DELIM_NUL ? '\0' : '\n',
		    &bad, kind);
		lf = delim == DELIM_NUL ? 0 : dl;
		if (delim == DELIM_LF_OR_NUL) {
			nul = line_scan_masks64(q, '\0', NULL, kind);
			dl |= nul;
			skip = (nul & (lf << 1 | (last & 1))) |
			    (lf & (nul << 1 | last >> 1));
			last = lf >> 63 | nul >> 63 << 1;
		}
		bad &= ~dl;
		if (delim != DELIM_NUL && bad != 0 && pl) {
			/* A CR before an LF, in this block or the next. */
			cr = line_scan_masks64(q, '\r', NULL, kind);
			bad &= ~(cr & (lf >> 1 |
			    (uint64_t)(end - q > 64 && q[64] == '\n') << 63));
		}
		if (dl == 0) {
			carry |= bad != 0;
			q += 64;
			continue;
		}
		/* Bits up to the block's last delimiter: lines ending here. */
		done = ((uint64_t)2 << (63 - __builtin_clzll(dl))) - 1;
		if (carry || (bad & done) != 0)
			pl = 0;
		carry = (bad & ~done) != 0;
		do {
			nl = q + __builtin_ctzll(dl);
			if (delim == DELIM_LF_OR_NUL && (skip & dl & -dl)) {
				/* Right after the line's end: no line. */
				start = nl + 1;
				dl &= dl - 1;
				continue;
			}
			ll = nl - start;
			if (delim != DELIM_NUL && ll > 0 && nl[-1] == '\r' &&
			    (delim == DELIM_LF || *nl == '\n'))
				ll--;
			if (ll > max)
				goto out;
			v[n].iov_base = (void *)start;
			v[n++].iov_len = ll;
			start = nl + 1;
			if (n == nv)
				goto out;
			dl &= dl - 1;
		} while (dl != 0);
		q += 64;
	}
 out:
	/* Delimiters past the blocks that end no line are taken too. */
	while (delim == DELIM_LF_OR_NUL && start > p && start < end &&
	    ((start[-1] == '\n' && *start == '\0') ||
	    (start[-1] == '\0' && *start == '\n')))
		start++;
	*used = start - p;
	*plain &= pl;
	return (n);
}

/* line_scan_run() for one kind of mask: a copy for each delimiter. */
static inline __attribute__((__always_inline__)) size_t
line_scan_delims(const u_char *p, size_t len, size_t max, struct iovec *v,
    size_t nv, size_t *used, int *plain, int kind,
    enum lconf_delimiter delim)
{
	switch (delim) {
	case DELIM_LF:
		return (line_scan_run(p, len, max, v, nv, used, plain, kind,
		    DELIM_LF));
	case DELIM_NUL:
		return (line_scan_run(p, len, max, v, nv, used, plain, kind,
		    DELIM_NUL));
	default:
		return (line_scan_run(p, len, max, v, nv, used, plain, kind,
		    DELIM_LF_OR_NUL));
	}
}

#ifdef FORMAT_HAVE_AVX2
static __attribute__((__target__("avx2"))) size_t
line_scan_split_avx2(const u_char *p, size_t len, size_t max,
    struct iovec *v, size_t nv, size_t *used, int *plain,
    enum lconf_delimiter delim)
{
	return (line_scan_delims(p, len, max, v, nv, used, plain,
	    LINE_SCAN_AVX2, delim));
}
#endif

/*
 * The fast path: complete lines among the len bytes at p, up to nv of
 * them into v, each without its delimiter or the CR before an LF;
 * returns how many, and *used the bytes they took, delimiters included,
 * and with lf-or-nul those right after that end no line.  Only whole
 * 64-byte blocks are looked at for lines, and it stops before a line
 * longer than max: what is left is the caller's.  With lf-or-nul, the
 * caller has skipped a delimiter at p that ends no line.  *plain is
 * cleared unless text passes every byte of these lines unchanged (it may
 * also be cleared, harmlessly, for a line that would have passed).
 */
size_t
line_scan_split(const u_char *p, size_t len, size_t max, struct iovec *v,
    size_t nv, size_t *used, int *plain, enum lconf_delimiter delim)
{
#ifdef FORMAT_HAVE_AVX2
	if (format_use_avx2())
		return (line_scan_split_avx2(p, len, max, v, nv, used, plain,
		    delim));
#endif
#ifdef __SSE2__
	if (format_simd != FORMAT_SIMD_NONE)
		return (line_scan_delims(p, len, max, v, nv, used, plain,
		    LINE_SCAN_SSE2, delim));
#endif
	return (line_scan_delims(p, len, max, v, nv, used, plain,
	    LINE_SCAN_NONE, delim));
}
