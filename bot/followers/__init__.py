"""What the bot keeps about followers: subscriptions and the questions it could not answer."""
