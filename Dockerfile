# The Airflow image of the production stack: Airflow 3.3.2 with the yuqing package installed from the
# repository's own constraints file (pinned versions, no download of constraints at build time).
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root constraints/py3.11.txt /opt/yuqing/constraints.txt
COPY --chown=airflow:root pyproject.toml README.md /opt/yuqing/
COPY --chown=airflow:root pipeline /opt/yuqing/pipeline
COPY --chown=airflow:root classifiers /opt/yuqing/classifiers
COPY --chown=airflow:root dashboards /opt/yuqing/dashboards

# Re-pinning apache-airflow keeps pip from moving Airflow while it resolves the project's dependencies.
RUN pip install --no-cache-dir -c /opt/yuqing/constraints.txt "apache-airflow==3.3.2" /opt/yuqing

ENV YUQING_DATA_DIR=/opt/airflow/data
