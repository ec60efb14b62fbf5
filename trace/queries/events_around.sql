-- events_around.sql: ten records before and after step :seq, named.
-- Parameters: :seq
SELECT seq, vcpu, type, reason, level, flags, aux,
       printf('0x%x', a) AS a, printf('0x%x', b) AS b,
       printf('0x%x', c) AS c, printf('0x%x', d) AS d
FROM events_named
WHERE seq BETWEEN :seq - 10 AND :seq + 10
ORDER BY seq;
