pytest_plugins = ["pingan_common.testing.infra", "pingan_common.testing.services"]
