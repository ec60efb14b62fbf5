# hv/hv.mk: build, check and bench rules for hv/ (included by the top Makefile).
