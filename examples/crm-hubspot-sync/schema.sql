-- The CRM of the recipe: companies, customers and deals. `updated_at` must change on every
-- update (here a trigger; an application that sets it works too); `deleted_at` is a soft delete.
CREATE TABLE companies (
  company_id serial PRIMARY KEY,
  name text,
  domain text UNIQUE,
  billing_plan text,
  account_owner text,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz
);
CREATE TABLE customers (
  customer_id serial PRIMARY KEY,
  email text UNIQUE NOT NULL,
  first_name text,
  last_name text,
  phone text,
  company_id int REFERENCES companies,
  lifecycle_stage text,
  lead_status text,
  billing_plan text,
  account_status text,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz
);
CREATE TABLE deals (
  deal_id serial PRIMARY KEY,
  name text,
  amount numeric,
  stage text,
  customer_id int REFERENCES customers,
  company_id int REFERENCES companies,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at timestamptz
);
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER companies_touch BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER deals_touch BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
