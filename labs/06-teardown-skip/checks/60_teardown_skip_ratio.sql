-- points: 1
-- The teardown's skip ratio, reported: entries of the tables the VM
-- teardown freed that it did NOT write, over all their entries (512 per
-- table). This guest touched a few MiB of its 32: as in KVM's measurement
-- on a 6 GiB VM that touched little memory (6929 of 7168, 96.6 %), almost
-- every entry is empty; want at least 90 %.
WITH t AS (SELECT max(end_seq) AS s FROM hypercalls WHERE nr = 2),
torn AS (SELECT count(*) AS n FROM pt_lifetimes p, t
         WHERE p.free_seq > t.s AND (p.unlink_seq > t.s OR p.unlink_seq = 0)),
w AS (SELECT count(*) AS n FROM events e, t
      WHERE e.seq > t.s AND e.type = 1 AND e.reason = 12 AND (e.flags & 2) = 0)
SELECT CASE WHEN torn.n > 0 AND 1.0 - 1.0 * w.n / (512 * torn.n) >= 0.9 THEN 1 ELSE 0 END,
       CASE WHEN torn.n = 0 THEN 'the VM teardown freed no table (no exit hypercall, or the tree was never freed)'
            ELSE printf('VM teardown: %d tables freed, skipped %d of %d entries (%.1f %%; KVM: 96.6 %%; want at least 90 %%)',
                        torn.n, 512 * torn.n - w.n, 512 * torn.n, 100.0 - 100.0 * w.n / (512 * torn.n)) END
FROM torn, w;
