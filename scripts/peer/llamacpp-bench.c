// Peer benchmark: llama.cpp's own libllama (the prebuilt CPU libraries of
// @node-llama-cpp/linux-x64, llama.cpp release v0.5.0) driven directly from C.
//
// Built and run by scripts/peer/llamacpp.sh, which compiles this file against the llama.h and
// ggml headers of the same llama.cpp release (from node-llama-cpp's llama/gitRelease.bundle) and
// links it to the shipped .so files. Why C and not Java FFM or node-llama-cpp's JS API:
//  - the structs passed by value (llama_model_params, llama_context_params, llama_batch,
//    ggml_threadpool_params) change between llama.cpp releases; compiled against the release's
//    own header, their layout is right by construction (FFM would need hand-written offsets);
//  - the loop around llama_decode is a few stores per token: no JIT, no event loop, no sampler.
// node-llama-cpp's LlamaContextSequence.evaluate gave 59-81 tok/s on stories110M Q8_0 with 2
// threads where llama-bench gives 204-226. Measured here (2026-12-07, 2-core Zen 4 VM): with 1
// thread it matches this harness (128-156 against 148-155 tok/s), so its JS, dispatch and sampling
// cost little (under 2% of perf samples); with 2 threads 34% of its samples are in ggml_barrier
// and a 900-token run shows 918 thread ids: node-llama-cpp attaches no threadpool, so the
// non-OpenMP prebuilt ggml starts a worker thread per graph (per token), which together with
// node's own threads on the same cores is the likely cause. This harness attaches one persistent
// threadpool, as llama-bench does, and runs no other threads.
//
// What this program does, like llama.cpp's llama-bench / llama-batched-bench:
//  - loads every ggml backend found beside libllama (ggml picks the best libggml-cpu-<variant>.so
//    for the CPU) and reports which CPU variant was loaded;
//  - creates one persistent ggml threadpool with --threads threads and polling level --poll
//    (llama-bench's defaults: poll 50) and attaches it to the context (--no-threadpool leaves
//    ggml to make a throwaway pool per graph, as node-llama-cpp does, to show that cost);
//  - mmap on, F16 K/V cache, flash attention --flash-attn on|off|auto (default auto; the
//    resolved value is reported), n_threads = n_threads_batch = --threads;
//  - feeds fixed token ids (no sampling: the logits are computed, as every decode step of a
//    generator must, but not read), and requests output only where a generator needs it: the
//    last prompt token of each sequence and every decoded token;
//  - one untimed warm-up, then --reps timed repetitions; reports the best and the median.
//
// Modes (one JSON line per result on stdout, notes on stderr):
//   single   MODEL [-n 256] [--n0 32]        decode positions n0..n-1 of one sequence, one token
//                                            per llama_decode (prompt of n0 tokens not timed)
//   parallel MODEL --np B [-n 128] [--prompt 8]  B sequences (seq_id 0..B-1) in one context:
//                                            prompts of --prompt tokens in one batch (not timed),
//                                            then n steps of one llama_decode with B tokens
//   prefill  MODEL [--tokens 128]            one prompt of that many tokens in one llama_decode
//   info                                     prints the release and the CPU variant ggml loaded
// Common options: --threads N (default: all cores) --reps R (3) --flash-attn on|off|auto
//   --poll 0..100 (50) --no-threadpool --kv-unified --backend-dir DIR --name NAME --verbose
//   --release TEXT (copied into the JSON line; the driver passes the llama.cpp release and commit)
//
// Reported per result: tok/s (best and median of the reps), ms_per_step, and the harness's own
// time per step (harness_us_per_step): the timed loop's wall time minus the time spent inside
// llama_decode, per step. Measured 2026-12-07 on stories260K (2 threads, AMD EPYC Zen 4 VM):
// 0.04-0.09 us per step, against 120-190 us per llama_decode; against llama-bench on the same
// libraries (scripts/peer/llamacpp.sh crosscheck), the rates agree within the machine's noise
// (medians of 6 alternating rounds 0.97-1.05); see docs/PERFORMANCE.md.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "llama.h"

static bool verbose = false;
static char fa_resolved[64] = "";
static char cpu_backend_file[512] = "";

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char * fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "llamacpp-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

// llama.cpp and ggml log here: warnings and errors pass to stderr (all with --verbose); the
// lines that tell how flash attention "auto" resolved are remembered.
static void log_cb(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (strstr(text, "Flash Attention enabled")) {
        snprintf(fa_resolved, sizeof fa_resolved, "on");
    } else if (strstr(text, "Flash Attention not supported")) {
        snprintf(fa_resolved, sizeof fa_resolved, "off");
    }
    if (verbose || level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

// Finds the file name of the libggml-cpu-*.so that ggml loaded.
static int find_cpu_lib(struct dl_phdr_info * info, size_t size, void * data) {
    (void) size;
    (void) data;
    const char * slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    const char * base = slash ? slash + 1 : info->dlpi_name;
    if (base && strncmp(base, "libggml-cpu", 11) == 0) {
        snprintf(cpu_backend_file, sizeof cpu_backend_file, "%s", base);
    }
    return 0;
}

typedef struct {
    const char * mode;
    const char * model;
    const char * name;
    const char * backend_dir;
    const char * release;
    int threads, reps, n, n0, np, prompt, tokens, poll;
    bool threadpool, kv_unified;
    enum llama_flash_attn_type fa;
} opts_t;

static int parse_int(const char * s, const char * opt) {
    char * end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < 0 || v > 1000000) die("%s needs a number, got '%s'", opt, s);
    return (int) v;
}

static void usage(void) {
    fprintf(stderr,
        "usage: llamacpp-bench single|parallel|prefill MODEL.gguf [options] | llamacpp-bench info\n"
        "  single:   -n 256 --n0 32          decode positions n0..n-1 of one sequence\n"
        "  parallel: --np B -n 128 --prompt 8 B sequences decoded together, n steps\n"
        "  prefill:  --tokens 128            one prompt in one llama_decode\n"
        "  --threads N --reps 3 --flash-attn on|off|auto --poll 50 --no-threadpool --kv-unified\n"
        "  --backend-dir DIR (default: the directory of libllama) --name NAME --release TEXT --verbose\n");
    exit(2);
}

static int cmp_double(const void * a, const void * b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double median(double * v, int n) {
    double s[n];
    memcpy(s, v, sizeof(double) * n);
    qsort(s, n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double best(const double * v, int n) {
    double b = v[0];
    for (int i = 1; i < n; i++) if (v[i] > b) b = v[i];
    return b;
}

// A fixed, valid, non-special token for sequence s at position p.
static llama_token token_at(int n_vocab, int s, int p) {
    return 3 + (int) ((1000u + 7919u * (unsigned) s + 104729u * (unsigned) p) % (unsigned) (n_vocab - 3));
}

typedef struct {
    struct llama_context * ctx;
    struct llama_batch batch;
    int n_vocab;
    bool bos;
    llama_token bos_id;
    double decode_s; // time inside llama_decode, summed
} run_t;

static void decode(run_t * r) {
    double t0 = now_s();
    int rc = llama_decode(r->ctx, r->batch);
    llama_synchronize(r->ctx);
    r->decode_s += now_s() - t0;
    if (rc != 0) die("llama_decode returned %d (batch of %d tokens)", rc, r->batch.n_tokens);
}

// Prompts of len tokens for sequences 0..ns-1, all in one batch; output for the last of each.
static void prompt(run_t * r, int ns, int len) {
    struct llama_batch * b = &r->batch;
    b->n_tokens = 0;
    for (int s = 0; s < ns; s++) {
        for (int p = 0; p < len; p++) {
            int i = b->n_tokens++;
            b->token[i] = p == 0 && r->bos ? r->bos_id : token_at(r->n_vocab, s, p);
            b->pos[i] = p;
            b->n_seq_id[i] = 1;
            b->seq_id[i][0] = s;
            b->logits[i] = p == len - 1;
        }
    }
    if (b->n_tokens > 0) decode(r);
}

// One decode step: one token for each of sequences 0..ns-1 at position pos, output for all.
static void step(run_t * r, int ns, int pos) {
    struct llama_batch * b = &r->batch;
    b->n_tokens = ns;
    for (int s = 0; s < ns; s++) {
        b->token[s] = token_at(r->n_vocab, s, pos);
        b->pos[s] = pos;
        b->n_seq_id[s] = 1;
        b->seq_id[s][0] = s;
        b->logits[s] = 1;
    }
    decode(r);
}

int main(int argc, char ** argv) {
    opts_t o = { .threads = (int) sysconf(_SC_NPROCESSORS_ONLN), .reps = 3, .n = -1, .n0 = 32, .np = 1,
                 .prompt = 8, .tokens = 128, .poll = 50, .threadpool = true, .fa = LLAMA_FLASH_ATTN_TYPE_AUTO, .release = "unknown" };
    if (argc < 2) usage();
    o.mode = argv[1];
    bool info = !strcmp(o.mode, "info");
    if (!info && argc < 3) usage();
    o.model = info ? NULL : argv[2];
    for (int i = info ? 2 : 3; i < argc; i++) {
        const char * a = argv[i];
        const char * v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV() do { if (!v) die("%s needs a value", a); i++; } while (0)
        if (!strcmp(a, "--threads")) { NEEDV(); o.threads = parse_int(v, a); }
        else if (!strcmp(a, "--reps")) { NEEDV(); o.reps = parse_int(v, a); }
        else if (!strcmp(a, "-n") || !strcmp(a, "--gen")) { NEEDV(); o.n = parse_int(v, a); }
        else if (!strcmp(a, "--n0")) { NEEDV(); o.n0 = parse_int(v, a); }
        else if (!strcmp(a, "--np")) { NEEDV(); o.np = parse_int(v, a); }
        else if (!strcmp(a, "--prompt")) { NEEDV(); o.prompt = parse_int(v, a); }
        else if (!strcmp(a, "--tokens")) { NEEDV(); o.tokens = parse_int(v, a); }
        else if (!strcmp(a, "--poll")) { NEEDV(); o.poll = parse_int(v, a); }
        else if (!strcmp(a, "--backend-dir")) { NEEDV(); o.backend_dir = v; }
        else if (!strcmp(a, "--name")) { NEEDV(); o.name = v; }
        else if (!strcmp(a, "--release")) { NEEDV(); o.release = v; }
        else if (!strcmp(a, "--no-threadpool")) o.threadpool = false;
        else if (!strcmp(a, "--kv-unified")) o.kv_unified = true;
        else if (!strcmp(a, "--verbose")) verbose = true;
        else if (!strcmp(a, "--flash-attn") || !strcmp(a, "-fa")) {
            NEEDV();
            if (!strcmp(v, "on") || !strcmp(v, "1")) o.fa = LLAMA_FLASH_ATTN_TYPE_ENABLED;
            else if (!strcmp(v, "off") || !strcmp(v, "0")) o.fa = LLAMA_FLASH_ATTN_TYPE_DISABLED;
            else if (!strcmp(v, "auto")) o.fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
            else die("--flash-attn must be on, off or auto");
        } else usage();
    }
    bool single = !strcmp(o.mode, "single"), parallel = !strcmp(o.mode, "parallel"), pre = !strcmp(o.mode, "prefill");
    if (!single && !parallel && !pre && !info) usage();
    if (o.n < 0) o.n = single ? 256 : 128;
    if (single) o.np = 1;
    if (o.threads < 1 || o.reps < 1 || o.np < 1) die("--threads, --reps and --np must be at least 1");
    if (single && o.n0 >= o.n) die("--n0 must be below -n");
    if (!o.name && o.model) {
        const char * s = strrchr(o.model, '/');
        o.name = s ? s + 1 : o.model;
    }

    llama_log_set(log_cb, NULL);
    // ggml's dynamic backends: beside libllama unless told otherwise.
    char dir[1024];
    if (o.backend_dir) {
        snprintf(dir, sizeof dir, "%s", o.backend_dir);
    } else {
        Dl_info info;
        if (!dladdr((void *) llama_decode, &info) || !info.dli_fname) die("cannot locate libllama");
        snprintf(dir, sizeof dir, "%s", info.dli_fname);
        char * slash = strrchr(dir, '/');
        if (slash) *slash = 0; else snprintf(dir, sizeof dir, ".");
    }
    ggml_backend_load_all_from_path(dir);
    llama_backend_init();
    dl_iterate_phdr(find_cpu_lib, NULL);
    ggml_backend_dev_t cpu_dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (!cpu_dev) die("no CPU backend loaded from %s", dir);
    ggml_backend_reg_t cpu_reg = ggml_backend_dev_backend_reg(cpu_dev);

    fprintf(stderr, "llama.cpp %s, CPU backend %s: %s\n", o.release,
            cpu_backend_file[0] ? cpu_backend_file : "(built in)", ggml_backend_dev_description(cpu_dev));
    ggml_backend_get_features_t get_features =
        (ggml_backend_get_features_t) ggml_backend_reg_get_proc_address(cpu_reg, "ggml_backend_get_features");
    if (get_features) {
        fprintf(stderr, "CPU backend features:");
        for (struct ggml_backend_feature * f = get_features(cpu_reg); f && f->name; f++) {
            fprintf(stderr, " %s=%s", f->name, f->value);
        }
        fprintf(stderr, "\n");
    }
    if (info) { // one line for the scripts: release, CPU variant, its description
        printf("llama.cpp %s, %s (%s)\n", o.release, cpu_backend_file[0] ? cpu_backend_file : "built-in CPU backend",
               ggml_backend_dev_description(cpu_dev));
        return 0;
    }

    struct llama_model_params mp = llama_model_default_params();
    mp.load_mode = LLAMA_LOAD_MODE_MMAP;
    struct llama_model * model = llama_model_load_from_file(o.model, mp);
    if (!model) die("cannot load %s", o.model);
    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    char desc[256];
    llama_model_desc(model, desc, sizeof desc);

    // Context: room for every sequence's prompt and tokens (per sequence when the KV cache is
    // not unified), one batch holding the largest llama_decode.
    int per_seq = single ? o.n : parallel ? o.prompt + o.n : o.tokens;
    int ctx_seq = (per_seq + 255) / 256 * 256;
    int max_batch = single ? (o.n0 > 1 ? o.n0 : 1) : parallel ? o.np * (o.prompt > 1 ? o.prompt : 1) : o.tokens;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) ctx_seq * (uint32_t) o.np;
    cp.n_seq_max = (uint32_t) o.np;
    if ((uint32_t) max_batch > cp.n_batch) cp.n_batch = (uint32_t) max_batch;
    if ((uint32_t) max_batch > cp.n_ubatch && pre) cp.n_ubatch = (uint32_t) max_batch; // one prompt = one ubatch
    cp.n_threads = o.threads;
    cp.n_threads_batch = o.threads;
    cp.flash_attn_type = o.fa;
    cp.type_k = GGML_TYPE_F16;
    cp.type_v = GGML_TYPE_F16;
    cp.kv_unified = o.kv_unified;
    cp.no_perf = true;
    struct llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) die("cannot create a context (n_ctx %u, n_seq_max %u)", cp.n_ctx, cp.n_seq_max);
    const char * fa = o.fa == LLAMA_FLASH_ATTN_TYPE_ENABLED ? "on" : o.fa == LLAMA_FLASH_ATTN_TYPE_DISABLED ? "off"
                    : fa_resolved[0] ? (strcmp(fa_resolved, "on") ? "auto->off" : "auto->on") : "auto";

    struct ggml_threadpool * tp = NULL;
    void (*tp_free)(struct ggml_threadpool *) = NULL;
    if (o.threadpool) {
        struct ggml_threadpool * (*tp_new)(struct ggml_threadpool_params *) =
            (struct ggml_threadpool * (*)(struct ggml_threadpool_params *)) ggml_backend_reg_get_proc_address(cpu_reg, "ggml_threadpool_new");
        tp_free = (void (*)(struct ggml_threadpool *)) ggml_backend_reg_get_proc_address(cpu_reg, "ggml_threadpool_free");
        if (!tp_new || !tp_free) die("the CPU backend has no ggml_threadpool_new");
        struct ggml_threadpool_params tpp = ggml_threadpool_params_default(o.threads);
        tpp.poll = (uint32_t) o.poll;
        tp = tp_new(&tpp);
        if (!tp) die("cannot create a threadpool of %d threads", o.threads);
        llama_attach_threadpool(ctx, tp, tp);
    }
    fprintf(stderr, "%s: %s, %d threads, flash attention %s, KV F16 %s, n_ctx %u, n_batch %u, n_ubatch %u, %s\n",
            o.name, desc, o.threads, fa, o.kv_unified ? "unified" : "per sequence", llama_n_ctx(ctx), cp.n_batch,
            cp.n_ubatch, tp ? "persistent threadpool" : "no threadpool (one per graph)");

    run_t r = { .ctx = ctx, .n_vocab = llama_vocab_n_tokens(vocab), .bos = llama_vocab_get_add_bos(vocab),
                .bos_id = llama_vocab_bos(vocab) };
    r.batch = llama_batch_init(max_batch > o.np ? max_batch : o.np, 0, 1);
    llama_memory_t mem = llama_get_memory(ctx);

    int reps = o.reps;
    double rate[reps], step_ms[reps], harness_us[reps];
    int steps = single ? o.n - o.n0 : parallel ? o.n : 1;
    for (int rep = -1; rep < reps; rep++) { // rep -1: the warm-up, not reported
        llama_memory_clear(mem, false);
        double t0, t1, in_decode;
        if (pre) {
            r.decode_s = 0;
            t0 = now_s();
            prompt(&r, 1, o.tokens);
            t1 = now_s();
            in_decode = r.decode_s;
        } else {
            int ns = single ? 1 : o.np, p0 = single ? o.n0 : o.prompt;
            prompt(&r, ns, p0);
            int n_steps = rep < 0 && steps > 16 ? 16 : steps;
            r.decode_s = 0;
            t0 = now_s();
            for (int i = 0; i < n_steps; i++) step(&r, ns, p0 + i);
            t1 = now_s();
            in_decode = r.decode_s;
        }
        if (rep < 0) continue;
        double tokens = pre ? o.tokens : (double) steps * o.np;
        rate[rep] = tokens / (t1 - t0);
        step_ms[rep] = (t1 - t0) * 1e3 / steps;
        harness_us[rep] = ((t1 - t0) - in_decode) * 1e6 / steps;
        fprintf(stderr, "rep %d: %.2f tok/s, %.3f ms per llama_decode, harness %.3f us per step\n", rep + 1, rate[rep],
                step_ms[rep], harness_us[rep]);
    }
    double b = best(rate, reps), med = median(rate, reps);
    int bi = 0;
    for (int i = 0; i < reps; i++) if (rate[i] == b) bi = i;
    printf("{\"model\":\"%s\",\"engine\":\"llama.cpp\",\"release\":\"%s\",\"cpu_backend\":\"%s\","
           "\"mode\":\"%s\",\"threads\":%d,\"batch\":%d,\"flash_attn\":\"%s\",\"threadpool\":%s,",
           o.name, o.release, cpu_backend_file, o.mode, o.threads, pre ? 1 : o.np, fa,
           tp ? "true" : "false");
    if (pre) {
        printf("\"prompt_tokens\":%d,\"reps\":%d,\"prefill_tok_s\":%.2f,\"prefill_tok_s_median\":%.2f,", o.tokens, reps,
               b, med);
    } else {
        printf("\"prompt_tokens\":%d,\"gen_tokens\":%d,\"reps\":%d,\"decode_tok_s\":%.2f,\"decode_tok_s_median\":%.2f,",
               single ? o.n0 : o.prompt, steps, reps, b, med);
    }
    printf("\"ms_per_step\":%.4f,\"harness_us_per_step\":%.3f}\n", step_ms[bi], median(harness_us, reps));
    fflush(stdout);

    llama_batch_free(r.batch);
    llama_free(ctx);
    if (tp) tp_free(tp);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
