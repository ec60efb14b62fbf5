-- points: 1
-- The run exercised the path: the guest's page table went unsync (its
-- first write after a sync trapped) and was synced at the next MOV CR3,
-- once per round at least. Counts syncs that follow an unsync of the same
-- shadow page; independent of your function.
WITH s AS (
	SELECT s.seq, s.a AS gfn
	FROM events s
	WHERE s.type = 7 AND s.reason = 3
	  AND EXISTS (SELECT 1 FROM events u WHERE u.type = 7 AND u.reason = 2
	              AND u.c = s.c AND u.seq < s.seq)
)
SELECT CASE WHEN count(*) >= 3 THEN 1 ELSE 0 END,
       CASE WHEN count(*) >= 3 THEN count(*) || ' syncs of unsync shadow pages (gfns '
                                    || (SELECT group_concat(DISTINCT printf('0x%x', gfn)) FROM s) || ')'
            ELSE 'only ' || count(*) || ' syncs of unsync shadow pages: the scenario did not run '
                 || '(is hv started with shadow_unsync=0?)' END
FROM s;
