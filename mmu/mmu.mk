# mmu/mmu.mk: build, check and bench rules for mmu/ (included by the top Makefile).
