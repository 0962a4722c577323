from mobility.accounts.passwords import hash_password, password_problem, verify_password

# 64 characters, 192 bytes in UTF-8: far past bcrypt's 72-byte truncation.
CHINESE_64 = ("我们在开姆尼茨和镰仓之间交流艺术与文化" "并且一起创作新的作品让两座城市的居民相" "遇相知携手共进走向未来的美好生活吧朋友" "们一起来吧再见")


def test_a_64_character_chinese_password_verifies_and_its_last_character_matters():
    assert len(CHINESE_64) == 64
    stored = hash_password(CHINESE_64)
    assert verify_password(stored, CHINESE_64)
    assert not verify_password(stored, CHINESE_64[:-1] + "们")
    assert not verify_password(stored, CHINESE_64[:-1])


def test_hash_is_argon2id_and_salted():
    first, second = hash_password("a long enough password"), hash_password("a long enough password")
    assert first.startswith("$argon2id$")
    assert first != second


def test_short_passwords_are_refused():
    assert password_problem("elevenchars") is not None
    assert password_problem("twelve chars") is None


def test_common_passwords_are_refused_whatever_their_case():
    assert password_problem("password1234") is not None
    assert password_problem("QwertyuIOP123") is not None
    assert password_problem("aaaaaaaaaaaaaa") is not None


def test_password_equal_to_email_is_refused():
    assert password_problem("someone@example.org", email="Someone@example.org") is not None


def test_production_hashes_at_rfc_9106_cost_and_test_hashes_verify_under_it():
    from argon2 import PasswordHasher, profiles

    from config import ProductionConfig
    from mobility.accounts.passwords import HASH_PROFILES

    assert HASH_PROFILES[ProductionConfig.PASSWORD_HASH_PROFILE] is profiles.RFC_9106_LOW_MEMORY
    production = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    assert production.verify(hash_password("a long enough password"), "a long enough password")
