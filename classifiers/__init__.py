"""Sentiment and complaint models for brand mentions on Weibo: preprocessing, training, evaluation, inference."""
