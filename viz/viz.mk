# viz/viz.mk: build, check and bench rules for viz/ (included by the top Makefile).
