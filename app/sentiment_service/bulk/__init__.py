"""Bulk scoring: a sentiment column for whole tables, on one machine (`python -m sentiment_service.bulk score`)
or on Spark (`sentiment_service.bulk.spark.score_dataframe`), through the same predictor as the service.

Nothing is imported here, so that the worker processes the command spawns load only the predictor, not the
table libraries (pyarrow) the parent process reads and writes files with.
"""
