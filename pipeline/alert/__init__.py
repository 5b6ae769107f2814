"""Alert channels (console, file, email, webhook, DingTalk, WeCom, Feishu/Lark, Slack), routing and delivery."""
