-- points: 3
-- Seed 003 at the end of the VM: after the guest's exit hypercall hv
-- destroys the VM (hv/core/vm.c: mmu_vm_destroy removes the whole tree
-- with the MMU lock held for write; the writes have reason teardown).
-- Only the entries present at that moment need a write. Compares the
-- teardown's writes with the present entries (from the SPTE history) of
-- every table still in the tree when the guest exited: allocated before,
-- and freed after by the teardown itself (its unlink is after the exit; the
-- root's free names no unlink, 0) or never freed.
WITH t AS (SELECT max(end_seq) AS s FROM hypercalls WHERE nr = 2),
tree AS (SELECT p.table_hpa FROM pt_lifetimes p, t
         WHERE p.alloc_seq < t.s
           AND (p.free_seq IS NULL OR (p.free_seq > t.s AND (p.unlink_seq > t.s OR p.unlink_seq = 0)))),
present AS (SELECT count(*) AS n FROM tree JOIN spte_intervals i ON (i.sptep & ~4095) = tree.table_hpa, t
            WHERE i.seq_from < t.s AND i.seq_to > t.s AND (i.value & (SELECT present FROM masks)) != 0),
writes AS (SELECT count(*) AS n FROM events e, t
           WHERE e.seq > t.s AND e.type = 1 AND e.reason = 12 AND (e.flags & 2) = 0)
SELECT CASE WHEN t.s IS NOT NULL AND present.n > 0 AND writes.n = present.n THEN 1 ELSE 0 END,
       CASE WHEN t.s IS NULL THEN 'no exit hypercall: the guest did not end by itself, so the VM was not torn down'
            ELSE 'VM teardown: ' || (SELECT count(*) FROM tree) || ' tables in the tree held ' || present.n
                 || ' present entries; the teardown wrote ' || writes.n || ' SPTEs'
                 || CASE WHEN writes.n > present.n THEN ' (want ' || present.n || ': skip the non-present ones)'
                         WHEN writes.n < present.n THEN ' (want ' || present.n || ': every present entry must be cleared through tdp_write_spte)'
                         ELSE '' END END
FROM t, present, writes;
