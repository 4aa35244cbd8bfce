-- A self-employed recipient's NPD status as the bank last answered it, and when: written by the bank-task
-- worker when the profile is registered and by the self-employed payout job at each check, shown on the
-- profile. Never asked for in a user's request.
alter table recipients add column npd_status text, add column npd_checked_at timestamptz;
