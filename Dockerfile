# The scorecard's Airflow image: the official Airflow image of the version requirements.lock pins, with the
# sti-scorecard package installed into it under the same lock (as constraints, so that nothing the image
# already has is moved to a version the project was not tested with).
#
#   docker build -t sti-scorecard-airflow:3.3.2 .
#
# AIRFLOW_VERSION must equal the apache-airflow pin of requirements.lock (tests/unit/test_compose.py checks).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.12
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG AIRFLOW_VERSION
ENV SCORECARD_HOME=/opt/scorecard \
    SCORECARD_DATA_DIR=/opt/scorecard/data \
    GX_ANALYTICS_ENABLED=false

USER root
RUN mkdir -p /opt/scorecard/data/inbox /opt/scorecard/data/quarantine /opt/scorecard/data/bulletins \
    && chown -R airflow:0 /opt/scorecard
USER airflow

# Dependencies first (this layer is rebuilt only when the lock or pyproject changes) ...
COPY --chown=airflow:0 requirements.lock pyproject.toml README.md /opt/scorecard/
COPY --chown=airflow:0 src /opt/scorecard/src
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" /opt/scorecard \
        --constraint /opt/scorecard/requirements.lock

# ... then the files the package reads at run time from SCORECARD_HOME (compose mounts over them, so that a
# changed suite or query needs no rebuild) and the DAGs.
COPY --chown=airflow:0 include /opt/scorecard/include
COPY --chown=airflow:0 expectations /opt/scorecard/expectations
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins

WORKDIR /opt/airflow
