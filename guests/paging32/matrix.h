/*
 * matrix.h: the permission matrix of 32-bit and PAE paging (matrix.c), run
 * by paging32 instead of its own tests when the line has matrix=.
 */
#ifndef PAGING32_MATRIX_H
#define PAGING32_MATRIX_H

/* which: "32", "pae" or "both" (the matrix= word). Returns the exit code. */
int matrix_main(const char *which);

#endif
