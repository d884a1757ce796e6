-- GET /profiles lists a workspace's profiles newest first (the console's start page), paged by keyset on
-- (created_at, id): this index serves each page as one range scan, however many profiles the workspace has.
create index profiles_newest on profiles (workspace_id, created_at desc, id desc);
