/*
 * tdp_iter.c: the pre-order SPTE walk (algorithm in tdp_iter.h).
 */
#include "tdp_iter.h"

static void iter_load(struct tdp_iter *it)
{
	it->gfn = gfn_round_down(it->next_gfn, it->level);
	it->sptep = it->pt_path[it->level] + spte_index(it->gfn, it->level);
	it->old_spte = spte_read(it->sptep);
}

void tdp_iter_restart(struct tdp_iter *it)
{
	it->level = it->root_level;
	it->valid = it->next_gfn < it->end &&
		    it->next_gfn < pages_per_level(it->root_level + 1);
	if (it->valid)
		iter_load(it);
}

void tdp_iter_start(struct tdp_iter *it, const struct mmu_vm *vm, u64 *root,
		    int root_level, gfn_t start, gfn_t end, int min_level)
{
	it->vm = vm;
	it->root_level = root_level;
	it->min_level = min_level;
	it->pt_path[root_level] = root;
	it->next_gfn = start;
	it->end = end;
	it->skip_down = false;
	tdp_iter_restart(it);
}

static bool try_step_down(struct tdp_iter *it)
{
	const struct spte_format *f = &it->vm->fmt;

	if (it->level <= it->min_level || it->skip_down) {
		it->skip_down = false;
		return false;
	}
	/* Re-read: the entry may have been zapped or replaced since. */
	it->old_spte = spte_read(it->sptep);
	if (!is_mmu_present_spte(it->old_spte) || is_last_spte(f, it->old_spte, it->level))
		return false;
	it->pt_path[it->level - 1] = spte_to_child_pt(it->vm, it->old_spte);
	it->level--;
	if (it->next_gfn < it->gfn)
		it->next_gfn = it->gfn;
	iter_load(it);
	return true;
}

static bool try_step_side(struct tdp_iter *it)
{
	if (spte_index(it->gfn, it->level) == SPTE_ENT_PER_PAGE - 1)
		return false;
	it->next_gfn = it->gfn + pages_per_level(it->level);
	iter_load(it);
	return true;
}

static bool try_step_up(struct tdp_iter *it)
{
	if (it->level == it->root_level)
		return false;
	it->level++;
	it->gfn = gfn_round_down(it->gfn, it->level);
	it->sptep = it->pt_path[it->level] + spte_index(it->gfn, it->level);
	return true;
}

void tdp_iter_next(struct tdp_iter *it)
{
	if (try_step_down(it))
		goto check;
	for (;;) {
		if (try_step_side(it))
			break;
		if (!try_step_up(it)) {
			it->valid = false;
			return;
		}
	}
check:
	if (it->gfn >= it->end)
		it->valid = false;
}

void tdp_iter_skip_children(struct tdp_iter *it)
{
	it->skip_down = true;
}
