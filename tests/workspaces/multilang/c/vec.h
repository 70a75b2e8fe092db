#ifndef VEC_H
#define VEC_H

struct vec;
struct vec *vec_new(void);

#endif
