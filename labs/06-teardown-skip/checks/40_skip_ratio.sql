-- points: 1
-- The skip ratio, reported: entries of removed tables NOT written, over all
-- entries (512 per table). KVM's thread: 6929 of 7168 (96.6 %). This
-- sparse guest touches one page per table: expect over 99 %.
WITH r AS (SELECT count(*) AS tables FROM removed_tables WHERE nr IN (6, 8)),
w AS (SELECT count(*) AS n FROM events e JOIN hypercalls h
        ON e.seq > h.start_seq AND e.seq < h.end_seq AND h.nr IN (6, 8)
      WHERE e.type = 1 AND e.reason IN (7, 12) AND (e.flags & 2) = 0)
SELECT CASE WHEN r.tables > 0 AND 1.0 - 1.0 * w.n / (512 * r.tables) >= 0.9 THEN 1 ELSE 0 END,
       printf('skipped %d of %d entries (%.1f %%; want at least 90 %%)',
              512 * r.tables - w.n, 512 * r.tables,
              CASE WHEN r.tables > 0 THEN 100.0 - 100.0 * w.n / (512 * r.tables) ELSE 0 END)
FROM r, w;
