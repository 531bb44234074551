-- +goose Up
-- Reference data: written from the Go definitions by migration 2.
CREATE TABLE regions (
    code    text PRIMARY KEY CHECK (code ~ '^KZ-[0-9]{2}$'),
    kind    text NOT NULL CHECK (kind IN ('REGION', 'CITY')),
    name_kk text NOT NULL,
    name_ru text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE directions (
    code    text PRIMARY KEY CHECK (code ~ '^[A-Z_]+$'),
    name_kk text NOT NULL,
    name_ru text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE sources (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    kind        text NOT NULL,
    region_code text REFERENCES regions (code),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Record ids come from these sequences; provenance allocates them when a
-- source first reports a record, before the record row exists.
CREATE SEQUENCE organizations_id_seq;
CREATE SEQUENCE projects_id_seq;
CREATE SEQUENCE volunteers_id_seq;
CREATE SEQUENCE participations_id_seq;
CREATE SEQUENCE un_placements_id_seq;
CREATE SEQUENCE indicators_id_seq;

-- Provenance: which source reported which record under which external id.
-- (record_type, source_id, external_id) is the idempotency key of feeds;
-- source_updated_at makes an older updated_at lose to a newer one.
CREATE TABLE provenance (
    record_type       text        NOT NULL,
    source_id         bigint      NOT NULL REFERENCES sources (id),
    external_id       text        NOT NULL,
    record_id         bigint      NOT NULL,
    source_updated_at timestamptz NOT NULL,
    content_hash      bytea       NOT NULL,
    first_seen        timestamptz NOT NULL,
    last_seen         timestamptz NOT NULL,
    deleted_at        timestamptz,
    PRIMARY KEY (record_type, source_id, external_id)
);
CREATE INDEX provenance_record_idx ON provenance (record_type, record_id);

CREATE TABLE organizations (
    id              bigint PRIMARY KEY DEFAULT nextval('organizations_id_seq'),
    source_id       bigint NOT NULL REFERENCES sources (id),
    name_kk         text,
    name_ru         text,
    name_en         text,
    sort_name       text NOT NULL COLLATE "kk-KZ-x-icu", -- Kazakh order covers Russian and Latin too
    bin             text CHECK (bin ~ '^[0-9]{12}$'),
    kind            text NOT NULL,
    region_code     text REFERENCES regions (code),
    directions      text[] NOT NULL DEFAULT '{}',
    website         text,
    contact_email   text,
    contact_phone   text,
    founded         date,
    volunteer_count integer,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE INDEX organizations_region_idx ON organizations (region_code) WHERE deleted_at IS NULL;
CREATE INDEX organizations_directions_idx ON organizations USING gin (directions);
CREATE INDEX organizations_bin_idx ON organizations (bin) WHERE bin IS NOT NULL;
CREATE INDEX organizations_sort_name_idx ON organizations (sort_name, id);

CREATE TABLE projects (
    id                 bigint PRIMARY KEY DEFAULT nextval('projects_id_seq'),
    source_id          bigint NOT NULL REFERENCES sources (id),
    organization_ref   text,   -- the source's id of the organization
    organization_id    bigint REFERENCES organizations (id),
    title_kk           text,
    title_ru           text,
    title_en           text,
    sort_title         text NOT NULL COLLATE "kk-KZ-x-icu",
    description_kk     text,
    description_ru     text,
    description_en     text,
    region_code        text NOT NULL REFERENCES regions (code),
    locality           text,
    lat                double precision,
    lon                double precision,
    directions         text[] NOT NULL DEFAULT '{}',
    status             text NOT NULL,
    start_date         date,
    end_date           date,
    volunteers_needed  integer,
    volunteers_engaged integer,
    volunteer_hours    double precision,
    beneficiaries      integer,
    grant_programme    text,
    grant_amount_kzt   bigint,
    tags               text[] NOT NULL DEFAULT '{}',
    url                text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    deleted_at         timestamptz
);
CREATE INDEX projects_organization_idx ON projects (organization_id, id);
CREATE INDEX projects_region_idx ON projects (region_code, id);
CREATE INDEX projects_directions_idx ON projects USING gin (directions);
CREATE INDEX projects_start_idx ON projects (start_date, id);
CREATE INDEX projects_sort_title_idx ON projects (sort_title, id);
CREATE INDEX projects_dangling_idx ON projects (source_id, organization_ref) WHERE organization_id IS NULL AND organization_ref IS NOT NULL;

CREATE TABLE volunteers (
    id            bigint PRIMARY KEY DEFAULT nextval('volunteers_id_seq'),
    source_id     bigint NOT NULL REFERENCES sources (id),
    region_code   text NOT NULL REFERENCES regions (code),
    gender        text NOT NULL,
    birth_year    smallint,
    languages     text[] NOT NULL DEFAULT '{}',
    skills        text[] NOT NULL DEFAULT '{}',
    directions    text[] NOT NULL DEFAULT '{}',
    registered_at date,
    status        text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX volunteers_region_idx ON volunteers (region_code, id);
CREATE INDEX volunteers_directions_idx ON volunteers USING gin (directions);

-- The personal part, apart from the public part so that no query of the
-- public API can reach it by accident. Served to the admin role only.
CREATE TABLE volunteer_personal (
    volunteer_id bigint PRIMARY KEY REFERENCES volunteers (id),
    full_name    text,
    phone        text,
    email        text,
    iin          text,
    birth_date   date,
    consent_ref  text NOT NULL,
    consent_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE volunteer_organizations (
    volunteer_id     bigint NOT NULL REFERENCES volunteers (id),
    source_id        bigint NOT NULL REFERENCES sources (id),
    organization_ref text   NOT NULL,
    organization_id  bigint REFERENCES organizations (id),
    PRIMARY KEY (volunteer_id, source_id, organization_ref)
);
CREATE INDEX volunteer_organizations_org_idx ON volunteer_organizations (organization_id);
CREATE INDEX volunteer_organizations_dangling_idx ON volunteer_organizations (source_id, organization_ref) WHERE organization_id IS NULL;

CREATE TABLE participations (
    id            bigint PRIMARY KEY DEFAULT nextval('participations_id_seq'),
    source_id     bigint NOT NULL REFERENCES sources (id),
    volunteer_ref text   NOT NULL,
    volunteer_id  bigint REFERENCES volunteers (id),
    project_ref   text   NOT NULL,
    project_id    bigint REFERENCES projects (id),
    role          text,
    hours         double precision,
    start_date    date,
    end_date      date,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX participations_volunteer_idx ON participations (volunteer_id, id);
CREATE INDEX participations_project_idx ON participations (project_id, id);
CREATE INDEX participations_dangling_volunteer_idx ON participations (source_id, volunteer_ref) WHERE volunteer_id IS NULL;
CREATE INDEX participations_dangling_project_idx ON participations (source_id, project_ref) WHERE project_id IS NULL;

CREATE TABLE un_placements (
    id            bigint PRIMARY KEY DEFAULT nextval('un_placements_id_seq'),
    source_id     bigint NOT NULL REFERENCES sources (id),
    volunteer_ref text,
    volunteer_id  bigint REFERENCES volunteers (id),
    host_entity   text NOT NULL,
    country       text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    duty_station  text,
    title_kk      text,
    title_ru      text,
    title_en      text,
    category      text,
    funding       text,
    start_date    date,
    end_date      date,
    status        text NOT NULL,
    sdgs          smallint[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX un_placements_volunteer_idx ON un_placements (volunteer_id);
CREATE INDEX un_placements_country_idx ON un_placements (country);
CREATE INDEX un_placements_dangling_idx ON un_placements (source_id, volunteer_ref) WHERE volunteer_id IS NULL AND volunteer_ref IS NOT NULL;

CREATE TABLE indicators (
    id           bigint PRIMARY KEY DEFAULT nextval('indicators_id_seq'),
    source_id    bigint NOT NULL REFERENCES sources (id),
    metric       text NOT NULL,
    value        double precision NOT NULL,
    unit         text,
    period       text NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL,
    region_code  text REFERENCES regions (code),
    citation_url text,
    note_kk      text,
    note_ru      text,
    note_en      text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE INDEX indicators_metric_idx ON indicators (metric, period_start);

-- Batches: a feed body is stored here before any worker is told about it.
CREATE TABLE batches (
    id              uuid PRIMARY KEY,
    source_id       bigint NOT NULL REFERENCES sources (id),
    status          text NOT NULL CHECK (status IN ('received', 'processing', 'done', 'failed')),
    format          text NOT NULL,
    filename        text NOT NULL DEFAULT '',
    body_size       bigint NOT NULL,
    body_sha256     bytea NOT NULL,
    lines           integer NOT NULL,
    processed_lines integer NOT NULL DEFAULT 0,
    created         integer NOT NULL DEFAULT 0,
    updated         integer NOT NULL DEFAULT 0,
    deleted         integer NOT NULL DEFAULT 0,
    unchanged       integer NOT NULL DEFAULT 0,
    stale           integer NOT NULL DEFAULT 0,
    failed          integer NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    attempts        integer NOT NULL DEFAULT 0,
    received_at     timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    progressed_at   timestamptz NOT NULL
);
CREATE INDEX batches_unfinished_idx ON batches (progressed_at) WHERE status IN ('received', 'processing');
CREATE INDEX batches_source_idx ON batches (source_id, received_at);

CREATE TABLE batch_bodies (
    batch_id uuid PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    body     bytea NOT NULL
);

CREATE TABLE batch_errors (
    batch_id uuid    NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    line     integer NOT NULL,
    seq      smallint NOT NULL, -- the error's place among its line's errors
    field    text    NOT NULL,
    message  text    NOT NULL,
    PRIMARY KEY (batch_id, line, seq)
);

-- +goose Down
DROP TABLE batch_errors, batch_bodies, batches, indicators, un_placements, participations,
    volunteer_organizations, volunteer_personal, volunteers, projects, organizations, provenance,
    sources, directions, regions;
DROP SEQUENCE organizations_id_seq, projects_id_seq, volunteers_id_seq, participations_id_seq,
    un_placements_id_seq, indicators_id_seq;
