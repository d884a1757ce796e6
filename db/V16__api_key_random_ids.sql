-- Bootstrap keys used to get the id 'key_' || the first 16 hex digits of the key's unsalted SHA-256, so anyone who
-- saw an id could test guesses of the secret offline. Give those rows random ids (16 letters or digits, as issued
-- keys have). Keys are looked up by hash, so authentication is unaffected. gen_random_uuid() draws from the
-- server's strong random source; two of them hashed leave 64 unpredictable bits.
update api_keys
   set id = 'key_' || substr(md5(gen_random_uuid()::text || gen_random_uuid()::text), 1, 16)
 where id = 'key_' || encode(substring(key_hash from 1 for 8), 'hex');
