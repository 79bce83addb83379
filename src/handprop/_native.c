/*
 * handprop._native: the gradient of one softmax-regression mini-batch in one pass.
 *
 * The same formulas as handprop.functional (linear -> softmax -> cross_entropy -> delta ->
 * param_gradients), fused so that each row of the batch is read from X once: it is gathered
 * and converted to float32 into a small buffer, then used for its logits and, while still in
 * the cache, for its share of dW. For rows idx[0..n) of X (N, D) and labels y[0..n):
 *
 *     z    = W x / s + b                    (K,)   W: (K, D), b: (K,), s: the input scale
 *     m    = max_k z;  S = sum_k exp(z - m)
 *     a    = exp(z - m) / S                 (K,)   softmax(z)
 *     loss = log S - (z_y - m)                     -log softmax(z)_y, summed over the rows
 *     pred = argmax_k a
 *     d    = (a - onehot(y)) / n            (K,)   delta
 *     db  += d;  dW += (d / s) x^T                 summed over the rows
 *
 * tests/test_native.py checks it against handprop.functional; train.NativeStep uses it and
 * does the update with functional.sgd_step. An AVX2+FMA version is chosen at run time where
 * the CPU has it; the portable version computes the same in plain C. n_threads > 1 splits the
 * batch into parts of consecutive rows, run by a persistent pool of threads and added in a
 * fixed order ("parts of a batch" and "the pool" below).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define HP_X86 1
#include <immintrin.h>
#endif

#define ROWS 8 /* rows converted and processed together */

typedef struct {
    const void *X;      /* (N, D) row-major */
    char kind;          /* 'B' uint8, 'f' float32, 'd' float64 */
    Py_ssize_t D, K, n; /* n: rows of this part of the batch */
    Py_ssize_t nb;      /* rows of the whole batch: delta = (a - onehot(y)) / nb */
    const int64_t *idx; /* (n,) rows of X */
    const int64_t *y;   /* (n,) labels */
    const float *W;     /* (K, D) then b (K,) */
    float *G;           /* (K, D) then (K,): dW and db, written */
    int64_t *pred;      /* (n,) written */
    float s;            /* the scale: x / s is what the model sees */
    float *xf;          /* (ROWS, ld) float32 rows */
    float *z;           /* (ROWS, K) logits, then delta */
    Py_ssize_t ld;
    Py_ssize_t ahead;   /* rows of idx after these n that may be prefetched */
} Batch;

static void convert_row_generic(const Batch *t, Py_ssize_t row, float *out) {
    Py_ssize_t D = t->D, d;
    if (t->kind == 'B') {
        const uint8_t *x = (const uint8_t *)t->X + row * D;
        for (d = 0; d < D; d++) out[d] = (float)x[d];
    } else if (t->kind == 'f') {
        memcpy(out, (const float *)t->X + row * D, (size_t)D * sizeof(float));
    } else {
        const double *x = (const double *)t->X + row * D;
        for (d = 0; d < D; d++) out[d] = (float)x[d];
    }
}

/* Ask for the rows of the next block while this one is computed (rows are random, so the
 * hardware cannot guess them). Off unless built with -DHP_PREFETCH: alternating builds timed
 * by benchmarks/kernel.py showed no gain here. Rows [from, to) of idx, to <= n + t->ahead
 * (rows past the batch were checked like the batch's own). */
static void prefetch_rows(const Batch *t, Py_ssize_t from, Py_ssize_t to) {
#ifdef HP_PREFETCH
    Py_ssize_t r, e, bytes = t->D * (t->kind == 'B' ? 1 : t->kind == 'f' ? 4 : 8);
    if (to > t->n + t->ahead) to = t->n + t->ahead;
    for (r = from; r < to; r++) {
        const char *p = (const char *)t->X + t->idx[r] * bytes;
        for (e = 0; e < bytes; e += 64) __builtin_prefetch(p + e);
    }
#else
    (void)t, (void)from, (void)to;
#endif
}

/* softmax, loss, prediction and delta of rows [0, rn) of the block; z becomes delta / s,
 * db gets delta. Adds the rows' losses to *loss in float32, as the float32 mean of
 * functional.cross_entropy does: a sum past float32's range is inf there and here. */
static void softmax_delta(const Batch *t, Py_ssize_t r0, Py_ssize_t rn, float *db, float *loss) {
    Py_ssize_t K = t->K, r, k;
    const float *b = t->W + K * t->D;
    const float nf = (float)t->nb;
    for (r = 0; r < rn; r++) {
        float *z = t->z + r * K;
        int64_t yr = t->y[r0 + r];
        float m, S = 0.0f, best;
        Py_ssize_t arg = 0;
        for (k = 0; k < K; k++) z[k] = z[k] / t->s + b[k];
        m = z[0]; /* a NaN or inf logit makes the loss NaN: the caller stops */
        for (k = 1; k < K; k++)
            if (z[k] > m) m = z[k];
        float zy = z[yr] - m;
        for (k = 0; k < K; k++) {
            z[k] = expf(z[k] - m);
            S += z[k];
        }
        for (k = 0; k < K; k++) z[k] = z[k] / S;
        *loss += logf(S) - zy;
        best = z[0];
        for (k = 1; k < K; k++)
            if (z[k] > best) best = z[k], arg = k;
        t->pred[r0 + r] = arg;
        z[yr] -= 1.0f;
        for (k = 0; k < K; k++) {
            z[k] = z[k] / nf;
            db[k] += z[k];
            z[k] = z[k] / t->s;
        }
    }
}

/* x . w in 8 independent partial sums, which the compiler can put in vector lanes without
 * reordering any one sum (plain C, for every CPU). */
static float dot_lanes(const float *restrict x, const float *restrict w, Py_ssize_t D) {
    float acc[8] = {0};
    Py_ssize_t d = 0;
    int j;
    for (; d + 8 <= D; d += 8)
        for (j = 0; j < 8; j++) acc[j] += x[d + j] * w[d + j];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; d < D; d++) s += x[d] * w[d];
    return s;
}

/* g += sum_r c[r] x_r over the rn rows of the block (ld apart). */
static void axpy_rows(float *restrict g, const float *restrict c, const float *restrict xf,
                      Py_ssize_t ld, Py_ssize_t rn, Py_ssize_t D) {
    Py_ssize_t d, r;
    if (rn == ROWS) {
        const float *x0 = xf, *x1 = xf + ld, *x2 = xf + 2 * ld, *x3 = xf + 3 * ld;
        const float *x4 = xf + 4 * ld, *x5 = xf + 5 * ld, *x6 = xf + 6 * ld, *x7 = xf + 7 * ld;
        for (d = 0; d < D; d++)
            g[d] += ((c[0] * x0[d] + c[1] * x1[d]) + (c[2] * x2[d] + c[3] * x3[d])) +
                    ((c[4] * x4[d] + c[5] * x5[d]) + (c[6] * x6[d] + c[7] * x7[d]));
        return;
    }
    for (r = 0; r < rn; r++)
        for (d = 0; d < D; d++) g[d] += c[r] * xf[r * ld + d];
}

static float run_generic(Batch *t) {
    Py_ssize_t D = t->D, K = t->K, n = t->n, r0, r, k;
    float *dW = t->G, *db = t->G + K * D;
    float loss = 0.0f, c[ROWS];
    memset(t->G, 0, (size_t)(K * D + K) * sizeof(float));
    for (r0 = 0; r0 < n; r0 += ROWS) {
        Py_ssize_t rn = n - r0 < ROWS ? n - r0 : ROWS;
        prefetch_rows(t, r0 + ROWS, r0 + 2 * ROWS);
        for (r = 0; r < rn; r++) {
            float *x = t->xf + r * t->ld;
            convert_row_generic(t, t->idx[r0 + r], x);
            for (k = 0; k < K; k++) t->z[r * K + k] = dot_lanes(x, t->W + k * D, D);
        }
        softmax_delta(t, r0, rn, db, &loss);
        for (k = 0; k < K; k++) {
            for (r = 0; r < rn; r++) c[r] = t->z[r * K + k];
            axpy_rows(dW + k * D, c, t->xf, t->ld, rn, D);
        }
    }
    return loss;
}

#ifdef HP_X86
#define AVX __attribute__((target("avx2,fma")))
#define AVX_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

AVX static void convert_row_avx(const Batch *t, Py_ssize_t row, float *out) {
    Py_ssize_t D = t->D, d = 0;
    if (t->kind == 'B') {
        const uint8_t *x = (const uint8_t *)t->X + row * D;
        for (; d + 8 <= D; d += 8) {
            __m128i v = _mm_loadl_epi64((const __m128i *)(x + d));
            _mm256_store_ps(out + d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)));
        }
        for (; d < D; d++) out[d] = (float)x[d];
    } else {
        convert_row_generic(t, row, out);
    }
}

AVX_INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* z[r][k] = x_r . w_k for RN rows and KN classes: RN*KN accumulators held in registers. */
/* Tile of the logits: TR rows x TK classes (12 accumulators + 4 rows + 1 of W = the 16 AVX2
 * registers; W is read once per 4 rows). Other tiles can be built for comparison by
 * benchmarks/kernel.py (-DHP_TILE_ROWS=... -DHP_TILE_CLASSES=..., at most 4 x 4). */
#ifndef HP_TILE_ROWS
#define HP_TILE_ROWS 4
#endif
#ifndef HP_TILE_CLASSES
#define HP_TILE_CLASSES 3
#endif
#define TR HP_TILE_ROWS
#define TK HP_TILE_CLASSES
AVX_INLINE void dot_tile(const Batch *t, const float *x, const float *w, float *z, int RN,
                         int KN) {
    Py_ssize_t D = t->D, ld = t->ld, K = t->K, d = 0;
    __m256 acc[TR][TK];
    int r, k;
    for (r = 0; r < RN; r++)
        for (k = 0; k < KN; k++) acc[r][k] = _mm256_setzero_ps();
    for (; d + 8 <= D; d += 8) {
        __m256 xv[TR];
        for (r = 0; r < RN; r++) xv[r] = _mm256_load_ps(x + r * ld + d);
        for (k = 0; k < KN; k++) {
            __m256 wv = _mm256_loadu_ps(w + k * D + d);
            for (r = 0; r < RN; r++) acc[r][k] = _mm256_fmadd_ps(xv[r], wv, acc[r][k]);
        }
    }
    for (r = 0; r < RN; r++)
        for (k = 0; k < KN; k++) {
            float s = hsum(acc[r][k]);
            Py_ssize_t e;
            for (e = d; e < D; e++) s += x[r * ld + e] * w[k * D + e];
            z[r * K + k] = s;
        }
}

#define CLASSES(RN)                                                                     \
    for (k = 0; k + TK <= K; k += TK) dot_tile(t, x, t->W + k * D, t->z + r * K + k, RN, TK); \
    for (; k < K; k++) dot_tile(t, x, t->W + k * D, t->z + r * K + k, RN, 1);

AVX static void logits_avx(const Batch *t, Py_ssize_t rn) {
    Py_ssize_t K = t->K, D = t->D, r = 0, k;
    for (; r + TR <= rn; r += TR) {
        const float *x = t->xf + r * t->ld;
        CLASSES(TR)
    }
    for (; r < rn; r++) {
        const float *x = t->xf + r * t->ld;
        CLASSES(1)
    }
}

/* dW[k] += sum_r c[r][k] x_r for the rn (<= ROWS) rows of the block. */
AVX static void outer_avx(const Batch *t, Py_ssize_t rn) {
    Py_ssize_t K = t->K, D = t->D, ld = t->ld, k, r, d;
    const float *xf = t->xf;
    for (k = 0; k < K; k++) {
        float *g = t->G + k * D;
        __m256 c[ROWS];
        for (r = 0; r < rn; r++) c[r] = _mm256_set1_ps(t->z[r * K + k]);
        for (; r < ROWS; r++) c[r] = _mm256_setzero_ps();
        d = 0;
        if (rn == ROWS) {
            for (; d + 8 <= D; d += 8) {
                __m256 a = _mm256_loadu_ps(g + d);
                __m256 p = _mm256_mul_ps(c[1], _mm256_load_ps(xf + ld + d));
                a = _mm256_fmadd_ps(c[0], _mm256_load_ps(xf + d), a);
                p = _mm256_fmadd_ps(c[3], _mm256_load_ps(xf + 3 * ld + d), p);
                a = _mm256_fmadd_ps(c[2], _mm256_load_ps(xf + 2 * ld + d), a);
                p = _mm256_fmadd_ps(c[5], _mm256_load_ps(xf + 5 * ld + d), p);
                a = _mm256_fmadd_ps(c[4], _mm256_load_ps(xf + 4 * ld + d), a);
                p = _mm256_fmadd_ps(c[7], _mm256_load_ps(xf + 7 * ld + d), p);
                a = _mm256_fmadd_ps(c[6], _mm256_load_ps(xf + 6 * ld + d), a);
                _mm256_storeu_ps(g + d, _mm256_add_ps(a, p));
            }
        } else {
            for (; d + 8 <= D; d += 8) {
                __m256 a = _mm256_loadu_ps(g + d);
                for (r = 0; r < rn; r++)
                    a = _mm256_fmadd_ps(c[r], _mm256_load_ps(xf + r * ld + d), a);
                _mm256_storeu_ps(g + d, a);
            }
        }
        for (; d < D; d++)
            for (r = 0; r < rn; r++) g[d] += t->z[r * K + k] * xf[r * ld + d];
    }
}

AVX static float run_avx(Batch *t) {
    Py_ssize_t D = t->D, K = t->K, n = t->n, r0, r;
    float loss = 0.0f;
    memset(t->G, 0, (size_t)(K * D + K) * sizeof(float));
    for (r0 = 0; r0 < n; r0 += ROWS) {
        Py_ssize_t rn = n - r0 < ROWS ? n - r0 : ROWS;
        prefetch_rows(t, r0 + ROWS, r0 + 2 * ROWS);
        for (r = 0; r < rn; r++) convert_row_avx(t, t->idx[r0 + r], t->xf + r * t->ld);
        logits_avx(t, rn);
        softmax_delta(t, r0, rn, t->G + K * D, &loss);
        outer_avx(t, rn);
    }
    return loss;
}

static int have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static int have_avx2(void) { return 0; }
#endif

static int use_avx2 = 0;

static float run_rows(Batch *t, int avx) {
#ifdef HP_X86
    return avx ? run_avx(t) : run_generic(t);
#else
    (void)avx;
    return run_generic(t);
#endif
}

/* ------------------------------------------------------------------ parts of a batch
 *
 * n_threads = T > 1 splits the batch's B blocks of ROWS rows into P = min(T, B) parts of
 * consecutive rows, part p holding blocks [p B / P, (p + 1) B / P). Each part is computed as a
 * one-thread batch of its rows (delta still divided by the whole batch's n) into its own
 * [dW, db], part 0 straight into G, and then, in this order, in float32:
 *
 *     G = ((G_0 + G_1) + G_2) + ...       loss = ((l_0 + l_1) + l_2) + ...
 *
 * Which thread computes which part does not matter, so a given T gives the same bits every
 * time, from the pool or without one (a build without pthreads computes the parts in turn),
 * and a batch of one part (T = 1, or a batch of at most ROWS rows) is the one-thread kernel.
 */
#define MAX_THREADS 64

typedef struct {
    Batch batch;                   /* the whole batch; xf, z and G unused */
    int avx;                       /* which version runs */
    int parts;                     /* P */
    Py_ssize_t first[MAX_THREADS + 1]; /* part p holds rows [first[p], first[p + 1]) */
    float *G[MAX_THREADS];         /* part p's [dW, db]; G[0] is the output */
} Job;

static int split_parts(Job *job, int T) {
    Py_ssize_t n = job->batch.n, B = (n + ROWS - 1) / ROWS, r;
    int P = T < B ? T : (int)B, p;
    for (p = 0; p <= P; p++) {
        r = (p * B / P) * ROWS;
        job->first[p] = r < n ? r : n;
    }
    job->parts = P;
    return P;
}

/* dst = src, n floats (dst and src aligned to 16 bytes): a worker hands its finished
 * [dW, db] over to the caller. It adds up in its own buffer, because the part's buffer was
 * read by the caller for the previous batch's sum, and writing there would first take each
 * line back from the caller's core; streaming stores (x86) then write the result to memory
 * without taking the lines at all. (-DHP_WORKER_IN_PLACE builds the first version, which
 * added up in the part's buffer, for benchmarks/kernel.py --builds.) */
static void hand_over(float *restrict dst, const float *restrict src, Py_ssize_t n) {
#if defined(HP_X86) && defined(__SSE__) && !defined(HP_HAND_OVER_PLAIN)
    Py_ssize_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_load_ps(src + i));
    for (; i < n; i++) dst[i] = src[i];
    _mm_sfence(); /* the streaming stores are done before the caller is told */
#else
    memcpy(dst, src, (size_t)n * sizeof(float));
#endif
}

/* Part p of the job, with this thread's scratch (ROWS * (ld + K) floats): its loss. A worker
 * passes its own acc (K * (D + 1) floats) to add up the part in, then hands it over; the
 * caller (acc NULL) adds up straight into the part's [dW, db]. */
static float run_part(const Job *job, int p, float *scratch, float *acc) {
    Batch t = job->batch;
    Py_ssize_t r0 = job->first[p], r1 = job->first[p + 1];
    float loss;
    t.idx += r0;
    t.y += r0;
    t.pred += r0;
    t.n = r1 - r0;
    t.ahead += job->batch.n - r1;
    t.G = acc ? acc : job->G[p];
    t.xf = scratch;
    t.z = scratch + ROWS * t.ld;
    loss = run_rows(&t, job->avx);
    if (acc) hand_over(job->G[p], acc, t.K * (t.D + 1));
    return loss;
}

/* G_0 += G_1, then += G_2, ...; the losses likewise. */
static float add_parts(const Job *job, const float *loss) {
    Py_ssize_t size = job->batch.K * (job->batch.D + 1), i;
    float *restrict G = job->G[0], total = loss[0];
    int p;
    for (p = 1; p < job->parts; p++) {
        const float *restrict g = job->G[p];
        for (i = 0; i < size; i++) G[i] += g[i];
        total += loss[p];
    }
    return total;
}

static size_t scratch_floats(const Job *job) {
    return (size_t)(ROWS * (job->batch.ld + job->batch.K));
}

/* A buffer of at least n floats, aligned to a cache line (so no two threads share one), kept
 * between calls; 0, or -1 where memory runs out. */
#define LINE 64
static int reserve(float **buf, size_t *cap, size_t n) {
    void *mem;
    if (*cap >= n) return 0;
    n = (n + LINE / sizeof(float) - 1) & ~(LINE / sizeof(float) - 1);
    free(*buf);
    *buf = NULL;
    *cap = 0;
    if (posix_memalign(&mem, LINE, n * sizeof(float)) != 0) return -1;
    *buf = (float *)mem;
    *cap = n;
    return 0;
}

#if !defined(HP_NO_THREADS) && defined(__GNUC__) && (defined(__unix__) || defined(__APPLE__))
#define HP_THREADS 1
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

/* ------------------------------------------------------------------ the pool
 *
 * Workers 1..W, started on the first call that asks for them and kept. A call (thread 0, the
 * caller, with the GIL released) takes `call`, makes the parts FREE, bumps `gen` and runs parts
 * itself: part 0, then P-1, P-2, ... Worker w wakes on the new `gen` and runs part w, then
 * any other part still FREE. A part is claimed by one compare-and-swap, so a worker that wakes
 * late finds its part done by the caller and goes back to waiting: a busy core costs time,
 * never a wait on a thread that is not running. The caller waits until `pending` (parts not
 * finished) is 0, then adds the parts. So the caller and a worker meet twice per batch.
 *
 * Waiting is a short spin on the counter (with a pause instruction; training calls come every
 * few tens of microseconds) and then sleep on a condition variable. Who goes to sleep says
 * so (`asleep[w]`, `caller_sleeps`) before reading the counter again, and who changes the
 * counter reads that flag after changing it (both sequentially consistent): one of them sees
 * the other, so no wake-up is lost. A worker that was not asked for by the last call sleeps
 * without spinning, and only the workers a call asks for are woken.
 *
 * The claim is also what makes a late worker safe: the caller writes the job, then makes the
 * parts FREE (release); a worker reads the job only after its compare-and-swap (acquire) has
 * taken a FREE part, and the caller returns only when every part is finished, so no thread
 * touches the caller's arrays after the call. Fork: pthread_atfork keeps calls out while the
 * process forks and gives the child an empty pool. Exit: Py_AtExit stops and joins the workers.
 */
#ifndef HP_SPIN_US
#define HP_SPIN_US 300 /* a worker's spin before it sleeps */
#endif
#ifndef HP_WAIT_US
#define HP_WAIT_US 300 /* the caller's spin for the last parts before it sleeps */
#endif
#ifndef HP_YIELD_US
#define HP_YIELD_US 20 /* spinning longer than this yields the CPU at each look */
#endif

enum { TAKEN = 0, FREE = 1 };

typedef struct {
    int v;
    char pad[LINE - sizeof(int)];
} __attribute__((aligned(LINE))) Counter;

typedef struct {
    int state; /* FREE or TAKEN */
    float loss;
    char pad[LINE - sizeof(int) - sizeof(float)];
} __attribute__((aligned(LINE))) Part;

static struct {
    pthread_mutex_t call; /* held by the one call that uses the pool */
    pthread_mutex_t mu;   /* for sleeping on wake[t] and done */
    pthread_cond_t wake[MAX_THREADS], done;
    int workers;          /* started: threads 1..workers */
    int born[MAX_THREADS];  /* gen when worker w started */
    pthread_t tid[MAX_THREADS];
    float *scratch[MAX_THREADS]; /* thread t's rows and logits (0: the caller) */
    size_t scratch_cap[MAX_THREADS];
    float *acc[MAX_THREADS]; /* worker t's [dW, db] while it adds up a part */
    size_t acc_cap[MAX_THREADS];
    float *part[MAX_THREADS]; /* part p's [dW, db], p >= 1 */
    size_t part_cap[MAX_THREADS];
    Job job;
} pool;

/* Written by several threads: each on its own cache line. */
static Counter gen, pending, caller_sleeps, stop, threads_asked, parts_now;
static Counter asleep[MAX_THREADS];
static Part parts[MAX_THREADS];

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define LOAD_SC(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define STORE_SC(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* Spin up to us microseconds until (*v == value) is `equal`; 1 if it came to be. After
 * HP_YIELD_US it gives up the CPU at every look at the clock, so that a thread that shares its
 * core with the one it waits for (more threads than cores) lets that one run. */
static int spin_until(const int *v, int value, int equal, double us) {
    double t0 = now_us(), dt;
    int i;
    for (i = 1;; i++) {
        if ((__atomic_load_n(v, __ATOMIC_ACQUIRE) == value) == equal) return 1;
        cpu_relax();
        if ((i & 63) == 0) {
            dt = now_us() - t0;
            if (dt > us) return 0;
            if (dt > HP_YIELD_US) sched_yield();
        }
    }
}

/* Thread t runs any part still FREE, its own first (the caller's order: 0, P-1, ..., 1). */
static void take_parts(int t) {
    int P = __atomic_load_n(&parts_now.v, __ATOMIC_RELAXED), i, p, expect;
    float loss;
    for (i = 0; i < P; i++) {
        p = t == 0 ? (P - i) % P : (t + i) % P;
        expect = FREE;
        if (!__atomic_compare_exchange_n(&parts[p].state, &expect, TAKEN, 0, __ATOMIC_ACQUIRE,
                                         __ATOMIC_RELAXED))
            continue;
#ifdef HP_WORKER_IN_PLACE /* for benchmarks/kernel.py --builds: the first version */
        loss = run_part(&pool.job, p, pool.scratch[t], NULL);
#else
        loss = run_part(&pool.job, p, pool.scratch[t], t == 0 ? NULL : pool.acc[t]);
#endif
        parts[p].loss = loss;
        if (__atomic_sub_fetch(&pending.v, 1, __ATOMIC_SEQ_CST) == 0 && LOAD_SC(caller_sleeps.v)) {
            pthread_mutex_lock(&pool.mu);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.mu);
        }
    }
}

/* Worker t waits for the next gen after seen, spinning first only if it took part in the
 * last call (one that did not is woken by the next call that asks for it). */
static int next_gen(int t, int seen, int spin) {
    int g;
    if (spin && spin_until(&gen.v, seen, 0, HP_SPIN_US)) return LOAD(gen.v);
    pthread_mutex_lock(&pool.mu);
    STORE_SC(asleep[t].v, 1);
    while ((g = LOAD_SC(gen.v)) == seen) pthread_cond_wait(&pool.wake[t], &pool.mu);
    STORE_SC(asleep[t].v, 0);
    pthread_mutex_unlock(&pool.mu);
    return g;
}

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg, seen = pool.born[t], used = 1;
    for (;;) {
        seen = next_gen(t, seen, used);
        if (LOAD(stop.v)) return NULL;
        used = t < __atomic_load_n(&threads_asked.v, __ATOMIC_RELAXED);
        if (used) take_parts(t);
    }
}

/* Start workers until there are `want` (under `call`; none after pool_stop). One that cannot
 * be started is no error: the caller runs its parts. */
static void grow_pool(int want) {
    sigset_t all, old;
    if (pool.workers >= want || LOAD(stop.v)) return;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with Python's threads */
    while (pool.workers < want) {
        int t = pool.workers + 1;
        pool.born[t] = LOAD(gen.v);
        if (pthread_create(&pool.tid[t], NULL, worker, (void *)(intptr_t)t) != 0) break;
        __atomic_store_n(&pool.workers, t, __ATOMIC_RELAXED);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The scratch of every thread (a worker that was asked for by an earlier call may still
 * claim a part of this one) and the parts' [dW, db], under `call`; -1: no memory. */
static int reserve_pool(Job *job) {
    size_t size = (size_t)(job->batch.K * (job->batch.D + 1));
    int t, p;
    for (t = 0; t <= pool.workers; t++) {
        if (reserve(&pool.scratch[t], &pool.scratch_cap[t], scratch_floats(job)) < 0) return -1;
        if (t > 0 && reserve(&pool.acc[t], &pool.acc_cap[t], size) < 0) return -1;
    }
    for (p = 1; p < job->parts; p++) {
        if (reserve(&pool.part[p], &pool.part_cap[p], size) < 0) return -1;
        job->G[p] = pool.part[p];
    }
    return 0;
}

/* The job on T threads (GIL released): its loss in *loss; -1 where memory ran out. */
static int run_threads(const Job *job_in, int T, float *loss) {
    float losses[MAX_THREADS];
    int P = job_in->parts, p, t;
    pthread_mutex_lock(&pool.call);
    grow_pool(T - 1);
    pool.job = *job_in;
    if (reserve_pool(&pool.job) < 0) {
        pthread_mutex_unlock(&pool.call);
        return -1;
    }
    __atomic_store_n(&threads_asked.v, T, __ATOMIC_RELAXED);
    __atomic_store_n(&parts_now.v, P, __ATOMIC_RELAXED);
    __atomic_store_n(&pending.v, P, __ATOMIC_RELAXED);
    for (p = 0; p < P; p++) STORE(parts[p].state, FREE);
    __atomic_add_fetch(&gen.v, 1, __ATOMIC_SEQ_CST);
    for (t = 1; t < T && t <= pool.workers; t++)
        if (LOAD_SC(asleep[t].v)) {
            pthread_mutex_lock(&pool.mu);
            pthread_cond_signal(&pool.wake[t]);
            pthread_mutex_unlock(&pool.mu);
        }
    take_parts(0);
    if (!spin_until(&pending.v, 0, 1, HP_WAIT_US)) {
        pthread_mutex_lock(&pool.mu);
        STORE_SC(caller_sleeps.v, 1);
        while (LOAD_SC(pending.v) != 0) pthread_cond_wait(&pool.done, &pool.mu);
        STORE_SC(caller_sleeps.v, 0);
        pthread_mutex_unlock(&pool.mu);
    }
    for (p = 0; p < P; p++) losses[p] = parts[p].loss;
    *loss = add_parts(&pool.job, losses);
    pthread_mutex_unlock(&pool.call);
    return 0;
}

static int pool_threads(void) { return 1 + __atomic_load_n(&pool.workers, __ATOMIC_RELAXED); }

/* Stop and join the workers at interpreter exit. A daemon thread that calls the kernel after
 * this runs the parts itself. */
static void pool_stop(void) {
    int t;
    pthread_mutex_lock(&pool.call);
    STORE(stop.v, 1);
    pthread_mutex_lock(&pool.mu);
    __atomic_add_fetch(&gen.v, 1, __ATOMIC_SEQ_CST);
    for (t = 1; t <= pool.workers; t++) pthread_cond_signal(&pool.wake[t]);
    pthread_mutex_unlock(&pool.mu);
    for (t = 1; t <= pool.workers; t++) pthread_join(pool.tid[t], NULL);
    __atomic_store_n(&pool.workers, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&pool.call);
}

/* fork: no call is running while the process forks; the child has none of the workers, and
 * its copy of the pool starts empty (the buffers are kept and reused). */
static void fork_prepare(void) { pthread_mutex_lock(&pool.call); }
static void fork_parent(void) { pthread_mutex_unlock(&pool.call); }
static void init_locks(void) {
    int t;
    pthread_mutex_init(&pool.call, NULL);
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.done, NULL);
    for (t = 0; t < MAX_THREADS; t++) pthread_cond_init(&pool.wake[t], NULL);
}

static void fork_child(void) {
    int t;
    init_locks();
    pool.workers = 0;
    pending.v = caller_sleeps.v = stop.v = 0;
    for (t = 0; t < MAX_THREADS; t++) asleep[t].v = 0;
}

static void pool_init(void) {
    static int done = 0;
    if (done) return;
    done = 1;
    init_locks();
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    Py_AtExit(pool_stop);
}

#else /* no pthreads: the same parts, one after the other */

static int run_threads(const Job *job_in, int T, float *loss) {
    float losses[MAX_THREADS], *scratch = NULL, *buf = NULL;
    size_t size = (size_t)(job_in->batch.K * (job_in->batch.D + 1)), cap = 0, s_cap = 0;
    size_t stride = (size + LINE / sizeof(float) - 1) & ~(LINE / sizeof(float) - 1);
    Job job = *job_in;
    int p, status = -1;
    (void)T;
    if (reserve(&scratch, &s_cap, scratch_floats(&job)) < 0) goto out;
    if (reserve(&buf, &cap, stride * (size_t)(job.parts - 1)) < 0) goto out;
    for (p = 1; p < job.parts; p++) job.G[p] = buf + stride * (size_t)(p - 1);
    for (p = 0; p < job.parts; p++) losses[p] = run_part(&job, p, scratch, NULL);
    *loss = add_parts(&job, losses);
    status = 0;
out:
    free(scratch);
    free(buf);
    return status;
}

static int pool_threads(void) { return 1; }
static void pool_init(void) {}
#endif

/* ------------------------------------------------------------------ Python interface */

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous%s array", name,
                     writable ? " writable" : "");
        return -1;
    }
    return 0;
}

static char format_kind(const Py_buffer *v) {
    const char *f = v->format ? v->format : "B";
    if (f[0] == '<' || f[0] == '=' || f[0] == '@') f++;
    if (f[1] != '\0') return 0;
    if (f[0] == 'B' || f[0] == 'f' || f[0] == 'd') return f[0];
    if ((f[0] == 'l' || f[0] == 'q') && v->itemsize == 8) return 'q';
    return 0;
}

/* n_threads: an integer (or anything with __index__, not a bool) from 1 to MAX_THREADS. */
static int parse_threads(PyObject *obj, int *out) {
    PyObject *index;
    long v = 0;
    int overflow = 0;
    *out = 1;
    if (obj == NULL) return 0;
    if (!PyBool_Check(obj) && PyIndex_Check(obj) && (index = PyNumber_Index(obj)) != NULL) {
        v = PyLong_AsLongAndOverflow(index, &overflow);
        Py_DECREF(index);
        if (v == -1 && PyErr_Occurred()) return -1;
        if (!overflow && v >= 1 && v <= MAX_THREADS) {
            *out = (int)v;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError, "n_threads must be an integer from 1 to %d; got %R",
                 MAX_THREADS, obj);
    return -1;
}

/* The optional n_threads, as the 10th positional argument or by name. */
static int threads_argument(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                            PyObject **out) {
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0, i;
    *out = nargs == 10 ? args[9] : NULL;
    if (nargs < 9 || nargs > 10 || nargs + nkw > 10) {
        PyErr_SetString(PyExc_TypeError,
                        "batch_gradient takes 9 arguments and an optional n_threads");
        return -1;
    }
    for (i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(name, "n_threads") != 0) {
            PyErr_Format(PyExc_TypeError, "batch_gradient got an unexpected argument %R", name);
            return -1;
        }
        *out = args[nargs + i];
    }
    return 0;
}

PyDoc_STRVAR(batch_gradient_doc,
"batch_gradient(X, idx, y, start, n, P, G, scale, pred, n_threads=1) -> loss_sum\n\n"
"Gradient of the mean cross-entropy of rows idx[start:start+n] of X (N, D) uint8, float32 or\n"
"float64 with labels y[start:start+n] (int64), for the float32 parameters P = [W (K, D)\n"
"flattened, b (K,)]: writes G = [dW, db] (same layout as P) and pred[start:start+n] (int64,\n"
"argmax of softmax), returns the summed (not averaged) loss, added up in float32 as\n"
"functional.cross_entropy does (inf where that sum overflows). The model sees\n"
"x / scale.\n\n"
"n_threads (1 to MAX_THREADS) splits the rows into that many parts of consecutive blocks of 8\n"
"rows, computed by the kernel's pool of threads and added in a fixed order: a given\n"
"n_threads gives the same bits every time, 1 is the one-thread kernel. The GIL is released\n"
"while it runs.");

static PyObject *batch_gradient(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames) {
    Py_buffer bx = {0}, bi = {0}, by = {0}, bp = {0}, bg = {0}, bq = {0};
    PyObject *result = NULL, *threads_obj;
    Batch t;
    Job job;
    Py_ssize_t start, n, N, size, r;
    double scale;
    float loss = 0.0f;
    int n_threads, status = 0;
    void *mem = NULL;
    (void)self;
    if (threads_argument(args, nargs, kwnames, &threads_obj) < 0) return NULL;
    start = PyLong_AsSsize_t(args[3]);
    n = PyLong_AsSsize_t(args[4]);
    scale = PyFloat_AsDouble(args[7]);
    if (PyErr_Occurred() || parse_threads(threads_obj, &n_threads) < 0) return NULL;
    if (get_buffer(args[0], &bx, 0, "X") < 0 || get_buffer(args[1], &bi, 0, "idx") < 0 ||
        get_buffer(args[2], &by, 0, "y") < 0 || get_buffer(args[5], &bp, 0, "P") < 0 ||
        get_buffer(args[6], &bg, 1, "G") < 0 || get_buffer(args[8], &bq, 1, "pred") < 0)
        goto done;
    t.kind = format_kind(&bx);
    if (bx.ndim != 2 || !t.kind || t.kind == 'q') {
        PyErr_SetString(PyExc_ValueError, "X must be 2-D uint8, float32 or float64");
        goto done;
    }
    N = bx.shape[0];
    t.D = bx.shape[1];
    if (format_kind(&bi) != 'q' || format_kind(&by) != 'q' || format_kind(&bq) != 'q') {
        PyErr_SetString(PyExc_ValueError, "idx, y and pred must be int64");
        goto done;
    }
    if (format_kind(&bp) != 'f' || format_kind(&bg) != 'f') {
        PyErr_SetString(PyExc_ValueError, "P and G must be float32");
        goto done;
    }
    size = bp.len / 4;
    t.K = size / (t.D + 1);
    if (t.K < 1 || t.K * (t.D + 1) != size || bg.len != bp.len) {
        PyErr_SetString(PyExc_ValueError, "P and G must hold K * (D + 1) floats");
        goto done;
    }
    if (start < 0 || n < 1 || start + n > bi.len / 8 || start + n > by.len / 8 ||
        start + n > bq.len / 8 || !(scale > 0)) {
        PyErr_SetString(PyExc_ValueError, "start, n or scale out of range");
        goto done;
    }
    t.X = bx.buf;
    t.n = n;
    t.idx = (const int64_t *)bi.buf + start;
    t.y = (const int64_t *)by.buf + start;
    t.pred = (int64_t *)bq.buf + start;
    t.W = (const float *)bp.buf;
    t.G = (float *)bg.buf;
    t.s = (float)scale;
    for (r = 0; r < n; r++) {
        if (t.idx[r] < 0 || t.idx[r] >= N || t.y[r] < 0 || t.y[r] >= t.K) {
            PyErr_SetString(PyExc_ValueError, "a row index or label is out of range");
            goto done;
        }
    }
    t.ahead = 0;
#ifdef HP_PREFETCH
    for (; t.ahead < ROWS && start + n + t.ahead < bi.len / 8; t.ahead++)
        if (t.idx[n + t.ahead] < 0 || t.idx[n + t.ahead] >= N) break;
#endif
    t.ld = (t.D + 7) & ~(Py_ssize_t)7;
    t.nb = n;
    t.xf = t.z = NULL;
    job.batch = t;
    job.avx = use_avx2;
    job.G[0] = t.G;
    if (n_threads > 1 && split_parts(&job, n_threads) > 1) {
        Py_BEGIN_ALLOW_THREADS
        status = run_threads(&job, n_threads, &loss);
        Py_END_ALLOW_THREADS
        if (status < 0) {
            PyErr_NoMemory();
            goto done;
        }
        result = PyFloat_FromDouble((double)loss);
        goto done;
    }
    if (posix_memalign(&mem, 32, (size_t)(ROWS * t.ld + ROWS * t.K) * sizeof(float)) != 0) {
        PyErr_NoMemory();
        goto done;
    }
    t.xf = (float *)mem;
    t.z = t.xf + ROWS * t.ld;
    Py_BEGIN_ALLOW_THREADS
    loss = run_rows(&t, job.avx);
    Py_END_ALLOW_THREADS
    result = PyFloat_FromDouble((double)loss);
done:
    free(mem);
    if (bx.obj) PyBuffer_Release(&bx);
    if (bi.obj) PyBuffer_Release(&bi);
    if (by.obj) PyBuffer_Release(&by);
    if (bp.obj) PyBuffer_Release(&bp);
    if (bg.obj) PyBuffer_Release(&bg);
    if (bq.obj) PyBuffer_Release(&bq);
    return result;
}

PyDoc_STRVAR(set_isa_doc,
"set_isa(name) -> previous\n\n"
"Which version of the kernel runs: 'avx2' (where the CPU has AVX2 and FMA) or 'generic'\n"
"(plain C). Returns the name in use before. For tests.");

static PyObject *set_isa(PyObject *self, PyObject *arg) {
    const char *name = PyUnicode_AsUTF8(arg);
    const char *prev = use_avx2 ? "avx2" : "generic";
    (void)self;
    if (!name) return NULL;
    if (strcmp(name, "generic") == 0) {
        use_avx2 = 0;
    } else if (strcmp(name, "avx2") == 0) {
        if (!have_avx2()) {
            PyErr_SetString(PyExc_ValueError, "this CPU has no AVX2 and FMA");
            return NULL;
        }
        use_avx2 = 1;
    } else {
        PyErr_SetString(PyExc_ValueError, "isa must be 'avx2' or 'generic'");
        return NULL;
    }
    return PyUnicode_FromString(prev);
}

PyDoc_STRVAR(pool_threads_doc,
"pool_threads() -> int\n\n"
"Threads the kernel's pool holds now: the calling thread and the workers started so far (1\n"
"until a call asks for more; it then grows to the largest n_threads asked for, and stays).\n"
"1 in a build without pthreads, where n_threads > 1 computes the same parts in turn.");

static PyObject *py_pool_threads(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyLong_FromLong(pool_threads());
}

static PyObject *isa(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString(use_avx2 ? "avx2" : "generic");
}

static PyMethodDef methods[] = {
    {"batch_gradient", (PyCFunction)(void (*)(void))batch_gradient,
     METH_FASTCALL | METH_KEYWORDS, batch_gradient_doc},
    {"pool_threads", py_pool_threads, METH_NOARGS, pool_threads_doc},
    {"set_isa", set_isa, METH_O, set_isa_doc},
    {"isa", isa, METH_NOARGS, "The version of the kernel in use: 'avx2' or 'generic'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "handprop._native",
    .m_doc = "The fused mini-batch gradient of softmax regression (see batch_gradient).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m;
    use_avx2 = have_avx2();
    m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "MAX_THREADS", MAX_THREADS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    pool_init();
    return m;
}
