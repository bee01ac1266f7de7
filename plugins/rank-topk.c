/*
 * rank-topk.c - the best K candidates by score with a bounded heap (see
 * rank-topk.h); each recommender module links its own copy.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "rank-topk.h"

static int
better(const struct cand *a, const struct cand *b)
{
    return a->score > b->score || (a->score == b->score && a->item < b->item);
}

/* Restore the heap H[0..n-1] (the worst candidate at the root) below AT. */
static void
sift_down(struct cand *h, size_t n, size_t at)
{
    for (;;) {
        size_t l = 2 * at + 1, r = l + 1, worst = at;
        if (l < n && better(&h[worst], &h[l]))
            worst = l;
        if (r < n && better(&h[worst], &h[r]))
            worst = r;
        if (worst == at)
            return;
        struct cand tmp = h[at];
        h[at] = h[worst];
        h[worst] = tmp;
        at = worst;
    }
}

void
heap_offer(struct cand *h, size_t *n, size_t cap, struct cand c)
{
    if (*n < cap) {
        h[(*n)++] = c;
        if (*n == cap)
            for (size_t at = cap / 2; at-- > 0;)
                sift_down(h, cap, at);
    } else if (cap > 0 && better(&c, &h[0])) {
        h[0] = c;
        sift_down(h, cap, 0);
    }
}

void
heap_sort(struct cand *h, size_t n, size_t cap)
{
    if (n < cap)
        for (size_t at = n / 2; at-- > 0;)
            sift_down(h, n, at);
    for (size_t m = n; m > 1; m--) {
        struct cand tmp = h[0];
        h[0] = h[m - 1];
        h[m - 1] = tmp;
        sift_down(h, m - 1, 0);
    }
}

int
top_k(const struct aiwb_host_api *api, const double *scores, size_t n_items,
      const unsigned char *skip, double floor_, size_t k, int32_t *items, double *out)
{
    size_t cap = k < n_items ? k : n_items, n = 0;
    struct cand *h;

    if (cap == 0)
        return 0;
    h = api->alloc(cap * sizeof(*h));
    for (size_t i = 0; i < n_items; i++)
        if (!skip[i] && scores[i] > floor_)
            heap_offer(h, &n, cap, (struct cand){scores[i], (int32_t)i});
    heap_sort(h, n, cap);
    for (size_t j = 0; j < n; j++) {
        items[j] = h[j].item;
        out[j] = h[j].score;
    }
    api->free(h);
    return (int)n;
}
