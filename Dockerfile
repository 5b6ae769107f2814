# The Airflow image of the production stack: Airflow 3.3.2 with the yuqing package installed from the
# repository's own constraints file (pinned versions, no download of constraints at build time).
FROM apache/airflow:3.3.2-python3.11

# Mount point of the yuqing-data volume. An empty named volume takes the owner and mode of the folder it is
# mounted on, so the folder must exist here: owned by airflow, group 0 and group-writable, since the
# containers run as ${AIRFLOW_UID}:0 (without it the volume is root-owned and the DAG tasks cannot write).
USER root
RUN install -d -o airflow -g 0 -m 775 /opt/airflow/data
USER airflow

COPY --chown=airflow:root constraints/py3.11.txt /opt/yuqing/constraints.txt
COPY --chown=airflow:root pyproject.toml README.md /opt/yuqing/
COPY --chown=airflow:root pipeline /opt/yuqing/pipeline
COPY --chown=airflow:root classifiers /opt/yuqing/classifiers
COPY --chown=airflow:root dashboards /opt/yuqing/dashboards

# Re-pinning apache-airflow keeps pip from moving Airflow while it resolves the project's dependencies.
RUN pip install --no-cache-dir -c /opt/yuqing/constraints.txt "apache-airflow==3.3.2" /opt/yuqing

ENV YUQING_DATA_DIR=/opt/airflow/data
