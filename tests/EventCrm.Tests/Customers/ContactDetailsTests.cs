using EventCrm.Customers;

namespace EventCrm.Tests.Customers;

public class when_contact_details_are_normalised
{
    [Theory]
    [InlineData("  Ada@Example.COM ", "ada@example.com")]
    [InlineData("first.last+tag@sub.example.org", "first.last+tag@sub.example.org")]
    public void valid_addresses_are_trimmed_and_lower_cased(string input, string expected) =>
        ContactDetails.NormaliseEmail(input).ShouldBe(expected);

    [Theory]
    [InlineData("")]
    [InlineData("plainaddress")]
    [InlineData("@example.com")]
    [InlineData("ada@")]
    [InlineData("ada@localhost")]
    [InlineData("ada@example..com")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("ada lovelace@example.com")]
    [InlineData("ada@exa\tmple.com")]
    public void anything_but_a_plain_address_is_refused(string input) =>
        ContactDetails.NormaliseEmail(input).ShouldBeNull();

    [Fact]
    public void an_address_over_254_characters_is_refused() =>
        ContactDetails.NormaliseEmail(new string('a', 60) + "@" + new string('b', 190) + ".com").ShouldBeNull();

    [Theory]
    [InlineData("+44 20 7946 0958", "US", "+442079460958")]
    [InlineData("(415) 555-2671", "US", "+14155552671")]
    [InlineData("030 123456", "DE", "+4930123456")]
    public void phone_numbers_become_e164(string input, string region, string expected) =>
        ContactDetails.NormalisePhone(input, region).ShouldBe(expected);

    [Theory]
    [InlineData("12")]
    [InlineData("call me maybe")]
    [InlineData("+999 123")]
    public void numbers_that_cannot_exist_are_refused(string input) =>
        ContactDetails.NormalisePhone(input, "US").ShouldBeNull();

    [Fact]
    public void names_keep_single_spaces() => ContactDetails.NormaliseName("  Ada \t  Lovelace ").ShouldBe("Ada Lovelace");
}
