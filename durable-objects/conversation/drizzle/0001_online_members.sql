CREATE TABLE `online` (
	`user_id` text PRIMARY KEY NOT NULL
);
