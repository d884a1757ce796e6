-- Vendor answers may quote what they were sent. They are stored on the events of the request (dead_letters.last_error,
-- delivery_failures.error, delivery_parked.last_error, erasure_destinations.detail), and a request carries one
-- workspace's changes only, so an answer belongs to that workspace; but it may quote several of its people, and it is
-- stored on the rows of each of them. Erasing one person therefore also takes their values out of the other answers of
-- their workspace: every occurrence, compared case-insensitively (vendors may lower-case an email), becomes
-- "[erased]", so the rest of the answer still tells an operator what went wrong.
--
-- ***= makes the value a literal, whatever characters it holds. The position() test first: regexp_replace on every
-- value of every answer would cost a regular expression compile per pair.
create function erase_values(answer text, person_values text[]) returns text
    language plpgsql immutable as
$$
declare
    v      text;
    result text := answer;
begin
    if answer is null or person_values is null then
        return answer;
    end if;
    foreach v in array person_values loop
        if position(lower(v) in lower(result)) > 0 then
            result := regexp_replace(result, '***=' || v, '[erased]', 'gi');
        end if;
    end loop;
    return result;
end
$$;
