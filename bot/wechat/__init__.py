"""The WeChat edge: the webhook protocol (signatures, safe XML, crypto, replies) and the API client."""
