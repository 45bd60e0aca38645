#ifndef SP_STARTER_H
#define SP_STARTER_H
/* The commented starter spec written by `scaleplan init`. */
extern const char sp_starter_spec[];
#endif
