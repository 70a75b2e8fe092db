#include <stdlib.h>
#include "vec.h"

#define VEC_GROWTH 2

struct vec {
    int *data;
    size_t len;
};

typedef struct vec vec_t;

enum color { RED, GREEN };

static size_t grow(size_t cap) {
    return cap * VEC_GROWTH;
}

vec_t *vec_new(void) {
    vec_t *v = malloc(sizeof(vec_t));
    v->len = grow(0);
    return v;
}
