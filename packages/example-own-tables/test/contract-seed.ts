/**
 * What the contract suite needs of the test database besides the application's tables: the
 * suite invents its organisations and `teams.org_id` references `orgs`, so a team's insert
 * creates its org when missing (the application creates an org before its teams).
 */
export const CONTRACT_SEED = `
CREATE FUNCTION create_missing_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO orgs (id) VALUES (NEW.org_id) ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;
CREATE TRIGGER create_missing_org BEFORE INSERT ON teams
  FOR EACH ROW EXECUTE FUNCTION create_missing_org();
`
