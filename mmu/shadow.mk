# mmu/shadow.mk: build and check rules for the shadow MMU (guest walker, shadow pages).
