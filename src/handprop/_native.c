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
 * the CPU has it; the portable version computes the same in plain C.
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
    Py_ssize_t D, K, n;
    const int64_t *idx; /* (n,) rows of X */
    const int64_t *y;   /* (n,) labels */
    const float *W;     /* (K, D) then b (K,) */
    float *G;           /* (K, D) then (K,): dW and db, written */
    int64_t *pred;      /* (n,) written */
    float s;            /* the scale: x / s is what the model sees */
    float *xf;          /* (ROWS, ld) float32 rows */
    float *z;           /* (ROWS, K) logits, then delta */
    Py_ssize_t ld;
    Py_ssize_t ahead;   /* rows of idx after the batch that may be prefetched */
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
    const float nf = (float)t->n;
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

PyDoc_STRVAR(batch_gradient_doc,
"batch_gradient(X, idx, y, start, n, P, G, scale, pred) -> loss_sum\n\n"
"Gradient of the mean cross-entropy of rows idx[start:start+n] of X (N, D) uint8, float32 or\n"
"float64 with labels y[start:start+n] (int64), for the float32 parameters P = [W (K, D)\n"
"flattened, b (K,)]: writes G = [dW, db] (same layout as P) and pred[start:start+n] (int64,\n"
"argmax of softmax), returns the summed (not averaged) loss, added up in float32 as\n"
"functional.cross_entropy does (inf where that sum overflows). The model sees\n"
"x / scale.");

static PyObject *batch_gradient(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer bx = {0}, bi = {0}, by = {0}, bp = {0}, bg = {0}, bq = {0};
    PyObject *result = NULL;
    Batch t;
    Py_ssize_t start, n, N, size, r;
    double scale;
    float loss;
    void *mem = NULL;
    (void)self;
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "batch_gradient takes 9 arguments");
        return NULL;
    }
    start = PyLong_AsSsize_t(args[3]);
    n = PyLong_AsSsize_t(args[4]);
    scale = PyFloat_AsDouble(args[7]);
    if (PyErr_Occurred()) return NULL;
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
    if (posix_memalign(&mem, 32, (size_t)(ROWS * t.ld + ROWS * t.K) * sizeof(float)) != 0) {
        PyErr_NoMemory();
        goto done;
    }
    t.xf = (float *)mem;
    t.z = t.xf + ROWS * t.ld;
    Py_BEGIN_ALLOW_THREADS
#ifdef HP_X86
    loss = use_avx2 ? run_avx(&t) : run_generic(&t);
#else
    loss = run_generic(&t);
#endif
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

static PyObject *isa(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString(use_avx2 ? "avx2" : "generic");
}

static PyMethodDef methods[] = {
    {"batch_gradient", (PyCFunction)(void (*)(void))batch_gradient, METH_FASTCALL,
     batch_gradient_doc},
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
    use_avx2 = have_avx2();
    return PyModule_Create(&module);
}
